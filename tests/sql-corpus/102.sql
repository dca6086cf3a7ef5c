SELECT null IN ('b','c',null,'d')
