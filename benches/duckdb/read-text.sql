read_csv('FLOWLOG_FILE', delim = ' ', header = false, nullstr = '-', auto_detect = false,
         columns = {'version': 'INTEGER', 'account_id': 'VARCHAR', 'interface_id': 'VARCHAR',
                    'srcaddr': 'VARCHAR', 'dstaddr': 'VARCHAR', 'srcport': 'INTEGER',
                    'dstport': 'INTEGER', 'protocol': 'INTEGER', 'packets': 'BIGINT',
                    'bytes': 'BIGINT', 'start': 'BIGINT', 'end': 'BIGINT',
                    'action': 'VARCHAR', 'log_status': 'VARCHAR'})
