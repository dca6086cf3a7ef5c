SELECT 'a' IN ('b','c',null,'d')
