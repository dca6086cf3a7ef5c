SELECT 'c' NOT IN ('b','c','d')
