SELECT 'f' IN t8n
