SELECT 'hello' IN ()
