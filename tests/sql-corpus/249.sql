UPDATE t1 SET y='unknown' WHERE x>0
