SELECT null IN ('b','c','d')
