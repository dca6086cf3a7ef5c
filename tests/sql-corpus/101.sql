SELECT null NOT IN ('b','c','d')
