SELECT null IN t4n
