SELECT 'a' NOT IN (null,'b','c','d')
