SELECT 'a' NOT IN ('b','c','d')
