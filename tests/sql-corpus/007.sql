SELECT null NOT IN ()
