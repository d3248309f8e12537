-- Records and rejects of the judged list.
SELECT count(*), count(reject) FROM fast_list_checked;
