SELECT null NOT IN (2,3,4,null)
