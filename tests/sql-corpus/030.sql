SELECT 'hello' NOT IN ()
