SELECT 'b' IN ('b','c','d')
