UPDATE t1 SET x=3, x=4, x=5
