SELECT 'a' IN t7n
