SELECT 'c' IN t7n
