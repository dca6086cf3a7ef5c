SELECT null IN ()
