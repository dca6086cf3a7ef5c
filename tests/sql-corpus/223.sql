INSERT INTO view1 VALUES(2,'unknown')
