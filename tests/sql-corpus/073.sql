SELECT 'b' NOT IN (null,'b','c','d')
