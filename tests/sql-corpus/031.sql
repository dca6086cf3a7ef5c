SELECT 'hello' IN t1
