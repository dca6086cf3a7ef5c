SELECT null IN (2,3,4,null)
