UPDATE t1 SET z='foo'
