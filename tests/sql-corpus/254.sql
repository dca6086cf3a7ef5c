UPDATE t1 SET x=1 WHERE y='unknown'
