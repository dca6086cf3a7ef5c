UPDATE t1 SET y='true' WHERE x>0
