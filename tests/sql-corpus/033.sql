SELECT 'hello' NOT IN t1
