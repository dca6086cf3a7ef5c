SELECT 2 IN (2,3,4,null)
