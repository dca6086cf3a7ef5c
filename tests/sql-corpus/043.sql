SELECT 'a' IN ('b','c','d')
