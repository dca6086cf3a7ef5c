SELECT 'd' IN ('b','c',null,'d')
