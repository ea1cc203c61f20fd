-- Dead letters that now apply ($1: their ids), in the transaction that stores their events.
delete from regstat.dead_letters where id = any(array(select jsonb_array_elements_text($1::jsonb)))
