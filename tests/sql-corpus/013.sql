SELECT null IN t1
