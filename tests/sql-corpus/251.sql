UPDATE t1 SET z='foo' WHERE x>0
