SELECT null NOT IN (null,'b','c','d')
