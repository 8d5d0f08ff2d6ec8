"""The KPI summary tables' SQL exactly as migration 0014 installs it, frozen from
db/stats.py at that revision by scripts/freeze_stats.py. Generated: do not edit."""

COUNTERS = ('received', 'closure_hit', 'on_time_n', 'on_time_hit', 'contact_hit', 'handling_n', 'handling_hours', 'overdue_n', 'overdue_late', 'supervised_hit', 'redispatch_n', 'redispatch_hit', 'petitions_hit', 'satisfaction_n', 'satisfaction_hit')

TRIGGERS_SQLITE = ['CREATE TRIGGER trg_order_stats_insert AFTER INSERT ON work_order BEGIN\n'
 '  INSERT INTO order_stats_day (township_id, day, received, closure_hit, on_time_n, on_time_hit, '
 'contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, redispatch_n, '
 'redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, day, SUM(received), '
 'SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), SUM(handling_n), '
 'SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), SUM(redispatch_n), '
 'SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) FROM (SELECT '
 "NEW.township_id AS township_id, date(NEW.received_at, '+8 hours') AS day, (1) AS received, (CASE WHEN "
 "NEW.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS closure_hit, (CASE WHEN NEW.resolved_at IS "
 'NOT NULL AND NEW.due_at IS NOT NULL THEN 1 ELSE 0 END) AS on_time_n, (CASE WHEN NEW.resolved_at IS NOT '
 'NULL AND NEW.due_at IS NOT NULL AND NEW.resolved_at <= NEW.due_at THEN 1 ELSE 0 END) AS on_time_hit, (CASE '
 'WHEN NEW.contacted_at IS NOT NULL AND ((julianday(NEW.contacted_at) - julianday(NEW.received_at)) * 24.0) '
 '<= 24 THEN 1 ELSE 0 END) AS contact_hit, (CASE WHEN NEW.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS '
 'handling_n, (CASE WHEN NEW.resolved_at IS NOT NULL THEN ((julianday(NEW.resolved_at) - '
 'julianday(NEW.received_at)) * 24.0) ELSE 0.0 END) AS handling_hours, (CASE WHEN NEW.due_at IS NOT NULL '
 'THEN 1 ELSE 0 END) AS overdue_n, (CASE WHEN NEW.due_at IS NOT NULL AND NEW.resolved_at IS NOT NULL AND '
 'NEW.resolved_at > NEW.due_at THEN 1 ELSE 0 END) AS overdue_late, (CASE WHEN NEW.supervised THEN 1 ELSE 0 '
 'END) AS supervised_hit, (CASE WHEN NEW.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, (CASE '
 'WHEN NEW.dispatched_at IS NOT NULL AND (NEW.bounce_count > 0 OR NEW.redispatch_count > 0) THEN 1 ELSE 0 '
 "END) AS redispatch_hit, (CASE WHEN NEW.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, (0) AS "
 "satisfaction_n, (0) AS satisfaction_hit WHERE NEW.status <> 'cancelled' AND NEW.duplicate_of_id IS NULL "
 "UNION ALL SELECT NEW.township_id AS township_id, date(NEW.callback_at, '+8 hours') AS day, (0) AS "
 'received, (0) AS closure_hit, (0) AS on_time_n, (0) AS on_time_hit, (0) AS contact_hit, (0) AS handling_n, '
 '(0.0) AS handling_hours, (0) AS overdue_n, (0) AS overdue_late, (0) AS supervised_hit, (0) AS '
 'redispatch_n, (0) AS redispatch_hit, (0) AS petitions_hit, (1) AS satisfaction_n, (CASE WHEN '
 "NEW.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS satisfaction_hit WHERE NEW.callback_at IS "
 'NOT NULL AND NEW.satisfaction IS NOT NULL) AS x WHERE true GROUP BY township_id, day ORDER BY township_id, '
 'day ON CONFLICT (township_id, day) DO UPDATE SET received = order_stats_day.received + excluded.received, '
 'closure_hit = order_stats_day.closure_hit + excluded.closure_hit, on_time_n = order_stats_day.on_time_n + '
 'excluded.on_time_n, on_time_hit = order_stats_day.on_time_hit + excluded.on_time_hit, contact_hit = '
 'order_stats_day.contact_hit + excluded.contact_hit, handling_n = order_stats_day.handling_n + '
 'excluded.handling_n, handling_hours = order_stats_day.handling_hours + excluded.handling_hours, overdue_n '
 '= order_stats_day.overdue_n + excluded.overdue_n, overdue_late = order_stats_day.overdue_late + '
 'excluded.overdue_late, supervised_hit = order_stats_day.supervised_hit + excluded.supervised_hit, '
 'redispatch_n = order_stats_day.redispatch_n + excluded.redispatch_n, redispatch_hit = '
 'order_stats_day.redispatch_hit + excluded.redispatch_hit, petitions_hit = order_stats_day.petitions_hit + '
 'excluded.petitions_hit, satisfaction_n = order_stats_day.satisfaction_n + excluded.satisfaction_n, '
 'satisfaction_hit = order_stats_day.satisfaction_hit + excluded.satisfaction_hit;\n'
 '  INSERT INTO order_stats_month (township_id, month, dim, key, received, closure_hit, on_time_n, '
 'on_time_hit, contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, '
 'redispatch_n, redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, month, '
 'dim, k, SUM(received), SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), '
 'SUM(handling_n), SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), '
 'SUM(redispatch_n), SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) '
 "FROM (SELECT NEW.township_id AS township_id, date(NEW.received_at, '+8 hours', 'start of month') AS month, "
 "dd.dim, dd.k, (1) AS received, (CASE WHEN NEW.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS "
 'closure_hit, (CASE WHEN NEW.resolved_at IS NOT NULL AND NEW.due_at IS NOT NULL THEN 1 ELSE 0 END) AS '
 'on_time_n, (CASE WHEN NEW.resolved_at IS NOT NULL AND NEW.due_at IS NOT NULL AND NEW.resolved_at <= '
 'NEW.due_at THEN 1 ELSE 0 END) AS on_time_hit, (CASE WHEN NEW.contacted_at IS NOT NULL AND '
 '((julianday(NEW.contacted_at) - julianday(NEW.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END) AS '
 'contact_hit, (CASE WHEN NEW.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS handling_n, (CASE WHEN '
 'NEW.resolved_at IS NOT NULL THEN ((julianday(NEW.resolved_at) - julianday(NEW.received_at)) * 24.0) ELSE '
 '0.0 END) AS handling_hours, (CASE WHEN NEW.due_at IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, (CASE WHEN '
 'NEW.due_at IS NOT NULL AND NEW.resolved_at IS NOT NULL AND NEW.resolved_at > NEW.due_at THEN 1 ELSE 0 END) '
 'AS overdue_late, (CASE WHEN NEW.supervised THEN 1 ELSE 0 END) AS supervised_hit, (CASE WHEN '
 'NEW.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, (CASE WHEN NEW.dispatched_at IS NOT NULL '
 'AND (NEW.bounce_count > 0 OR NEW.redispatch_count > 0) THEN 1 ELSE 0 END) AS redispatch_hit, (CASE WHEN '
 "NEW.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, (0) AS satisfaction_n, (0) AS "
 "satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(NEW.township_id AS VARCHAR(20)), '') AS k "
 "UNION ALL SELECT 'village' AS dim, COALESCE(CAST(NEW.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'grid' AS dim, COALESCE(CAST(NEW.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(NEW.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(NEW.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(NEW.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(NEW.channel AS VARCHAR(20)), '') AS k) AS dd WHERE NEW.status <> 'cancelled' AND "
 "NEW.duplicate_of_id IS NULL UNION ALL SELECT NEW.township_id AS township_id, date(NEW.callback_at, '+8 "
 "hours', 'start of month') AS month, dd.dim, dd.k, (0) AS received, (0) AS closure_hit, (0) AS on_time_n, "
 '(0) AS on_time_hit, (0) AS contact_hit, (0) AS handling_n, (0.0) AS handling_hours, (0) AS overdue_n, (0) '
 'AS overdue_late, (0) AS supervised_hit, (0) AS redispatch_n, (0) AS redispatch_hit, (0) AS petitions_hit, '
 "(1) AS satisfaction_n, (CASE WHEN NEW.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS "
 "satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(NEW.township_id AS VARCHAR(20)), '') AS k "
 "UNION ALL SELECT 'village' AS dim, COALESCE(CAST(NEW.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'grid' AS dim, COALESCE(CAST(NEW.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(NEW.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(NEW.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(NEW.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(NEW.channel AS VARCHAR(20)), '') AS k) AS dd WHERE NEW.callback_at IS NOT NULL AND "
 'NEW.satisfaction IS NOT NULL) AS x WHERE true GROUP BY township_id, month, dim, k ORDER BY township_id, '
 'month, dim, k ON CONFLICT (township_id, month, dim, key) DO UPDATE SET received = '
 'order_stats_month.received + excluded.received, closure_hit = order_stats_month.closure_hit + '
 'excluded.closure_hit, on_time_n = order_stats_month.on_time_n + excluded.on_time_n, on_time_hit = '
 'order_stats_month.on_time_hit + excluded.on_time_hit, contact_hit = order_stats_month.contact_hit + '
 'excluded.contact_hit, handling_n = order_stats_month.handling_n + excluded.handling_n, handling_hours = '
 'order_stats_month.handling_hours + excluded.handling_hours, overdue_n = order_stats_month.overdue_n + '
 'excluded.overdue_n, overdue_late = order_stats_month.overdue_late + excluded.overdue_late, supervised_hit '
 '= order_stats_month.supervised_hit + excluded.supervised_hit, redispatch_n = '
 'order_stats_month.redispatch_n + excluded.redispatch_n, redispatch_hit = order_stats_month.redispatch_hit '
 '+ excluded.redispatch_hit, petitions_hit = order_stats_month.petitions_hit + excluded.petitions_hit, '
 'satisfaction_n = order_stats_month.satisfaction_n + excluded.satisfaction_n, satisfaction_hit = '
 'order_stats_month.satisfaction_hit + excluded.satisfaction_hit;\n'
 'END',
 'CREATE TRIGGER trg_order_stats_delete AFTER DELETE ON work_order BEGIN\n'
 '  INSERT INTO order_stats_day (township_id, day, received, closure_hit, on_time_n, on_time_hit, '
 'contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, redispatch_n, '
 'redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, day, SUM(received), '
 'SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), SUM(handling_n), '
 'SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), SUM(redispatch_n), '
 'SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) FROM (SELECT '
 "OLD.township_id AS township_id, date(OLD.received_at, '+8 hours') AS day, -(1) AS received, -(CASE WHEN "
 "OLD.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS closure_hit, -(CASE WHEN OLD.resolved_at IS "
 'NOT NULL AND OLD.due_at IS NOT NULL THEN 1 ELSE 0 END) AS on_time_n, -(CASE WHEN OLD.resolved_at IS NOT '
 'NULL AND OLD.due_at IS NOT NULL AND OLD.resolved_at <= OLD.due_at THEN 1 ELSE 0 END) AS on_time_hit, '
 '-(CASE WHEN OLD.contacted_at IS NOT NULL AND ((julianday(OLD.contacted_at) - julianday(OLD.received_at)) * '
 '24.0) <= 24 THEN 1 ELSE 0 END) AS contact_hit, -(CASE WHEN OLD.resolved_at IS NOT NULL THEN 1 ELSE 0 END) '
 'AS handling_n, -(CASE WHEN OLD.resolved_at IS NOT NULL THEN ((julianday(OLD.resolved_at) - '
 'julianday(OLD.received_at)) * 24.0) ELSE 0.0 END) AS handling_hours, -(CASE WHEN OLD.due_at IS NOT NULL '
 'THEN 1 ELSE 0 END) AS overdue_n, -(CASE WHEN OLD.due_at IS NOT NULL AND OLD.resolved_at IS NOT NULL AND '
 'OLD.resolved_at > OLD.due_at THEN 1 ELSE 0 END) AS overdue_late, -(CASE WHEN OLD.supervised THEN 1 ELSE 0 '
 'END) AS supervised_hit, -(CASE WHEN OLD.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, '
 '-(CASE WHEN OLD.dispatched_at IS NOT NULL AND (OLD.bounce_count > 0 OR OLD.redispatch_count > 0) THEN 1 '
 "ELSE 0 END) AS redispatch_hit, -(CASE WHEN OLD.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, "
 "-(0) AS satisfaction_n, -(0) AS satisfaction_hit WHERE OLD.status <> 'cancelled' AND OLD.duplicate_of_id "
 "IS NULL UNION ALL SELECT OLD.township_id AS township_id, date(OLD.callback_at, '+8 hours') AS day, -(0) AS "
 'received, -(0) AS closure_hit, -(0) AS on_time_n, -(0) AS on_time_hit, -(0) AS contact_hit, -(0) AS '
 'handling_n, -(0.0) AS handling_hours, -(0) AS overdue_n, -(0) AS overdue_late, -(0) AS supervised_hit, '
 '-(0) AS redispatch_n, -(0) AS redispatch_hit, -(0) AS petitions_hit, -(1) AS satisfaction_n, -(CASE WHEN '
 "OLD.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS satisfaction_hit WHERE OLD.callback_at IS "
 'NOT NULL AND OLD.satisfaction IS NOT NULL) AS x WHERE true GROUP BY township_id, day ORDER BY township_id, '
 'day ON CONFLICT (township_id, day) DO UPDATE SET received = order_stats_day.received + excluded.received, '
 'closure_hit = order_stats_day.closure_hit + excluded.closure_hit, on_time_n = order_stats_day.on_time_n + '
 'excluded.on_time_n, on_time_hit = order_stats_day.on_time_hit + excluded.on_time_hit, contact_hit = '
 'order_stats_day.contact_hit + excluded.contact_hit, handling_n = order_stats_day.handling_n + '
 'excluded.handling_n, handling_hours = order_stats_day.handling_hours + excluded.handling_hours, overdue_n '
 '= order_stats_day.overdue_n + excluded.overdue_n, overdue_late = order_stats_day.overdue_late + '
 'excluded.overdue_late, supervised_hit = order_stats_day.supervised_hit + excluded.supervised_hit, '
 'redispatch_n = order_stats_day.redispatch_n + excluded.redispatch_n, redispatch_hit = '
 'order_stats_day.redispatch_hit + excluded.redispatch_hit, petitions_hit = order_stats_day.petitions_hit + '
 'excluded.petitions_hit, satisfaction_n = order_stats_day.satisfaction_n + excluded.satisfaction_n, '
 'satisfaction_hit = order_stats_day.satisfaction_hit + excluded.satisfaction_hit;\n'
 '  INSERT INTO order_stats_month (township_id, month, dim, key, received, closure_hit, on_time_n, '
 'on_time_hit, contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, '
 'redispatch_n, redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, month, '
 'dim, k, SUM(received), SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), '
 'SUM(handling_n), SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), '
 'SUM(redispatch_n), SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) '
 "FROM (SELECT OLD.township_id AS township_id, date(OLD.received_at, '+8 hours', 'start of month') AS month, "
 "dd.dim, dd.k, -(1) AS received, -(CASE WHEN OLD.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS "
 'closure_hit, -(CASE WHEN OLD.resolved_at IS NOT NULL AND OLD.due_at IS NOT NULL THEN 1 ELSE 0 END) AS '
 'on_time_n, -(CASE WHEN OLD.resolved_at IS NOT NULL AND OLD.due_at IS NOT NULL AND OLD.resolved_at <= '
 'OLD.due_at THEN 1 ELSE 0 END) AS on_time_hit, -(CASE WHEN OLD.contacted_at IS NOT NULL AND '
 '((julianday(OLD.contacted_at) - julianday(OLD.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END) AS '
 'contact_hit, -(CASE WHEN OLD.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS handling_n, -(CASE WHEN '
 'OLD.resolved_at IS NOT NULL THEN ((julianday(OLD.resolved_at) - julianday(OLD.received_at)) * 24.0) ELSE '
 '0.0 END) AS handling_hours, -(CASE WHEN OLD.due_at IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, -(CASE '
 'WHEN OLD.due_at IS NOT NULL AND OLD.resolved_at IS NOT NULL AND OLD.resolved_at > OLD.due_at THEN 1 ELSE 0 '
 'END) AS overdue_late, -(CASE WHEN OLD.supervised THEN 1 ELSE 0 END) AS supervised_hit, -(CASE WHEN '
 'OLD.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, -(CASE WHEN OLD.dispatched_at IS NOT '
 'NULL AND (OLD.bounce_count > 0 OR OLD.redispatch_count > 0) THEN 1 ELSE 0 END) AS redispatch_hit, -(CASE '
 "WHEN OLD.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, -(0) AS satisfaction_n, -(0) AS "
 "satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(OLD.township_id AS VARCHAR(20)), '') AS k "
 "UNION ALL SELECT 'village' AS dim, COALESCE(CAST(OLD.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'grid' AS dim, COALESCE(CAST(OLD.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(OLD.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(OLD.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(OLD.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(OLD.channel AS VARCHAR(20)), '') AS k) AS dd WHERE OLD.status <> 'cancelled' AND "
 "OLD.duplicate_of_id IS NULL UNION ALL SELECT OLD.township_id AS township_id, date(OLD.callback_at, '+8 "
 "hours', 'start of month') AS month, dd.dim, dd.k, -(0) AS received, -(0) AS closure_hit, -(0) AS "
 'on_time_n, -(0) AS on_time_hit, -(0) AS contact_hit, -(0) AS handling_n, -(0.0) AS handling_hours, -(0) AS '
 'overdue_n, -(0) AS overdue_late, -(0) AS supervised_hit, -(0) AS redispatch_n, -(0) AS redispatch_hit, '
 "-(0) AS petitions_hit, -(1) AS satisfaction_n, -(CASE WHEN OLD.satisfaction IN ('satisfied', 'basic') THEN "
 "1 ELSE 0 END) AS satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(OLD.township_id AS "
 "VARCHAR(20)), '') AS k UNION ALL SELECT 'village' AS dim, COALESCE(CAST(OLD.village_id AS VARCHAR(20)), "
 "'') AS k UNION ALL SELECT 'grid' AS dim, COALESCE(CAST(OLD.grid_id AS VARCHAR(20)), '') AS k UNION ALL "
 "SELECT 'platform' AS dim, COALESCE(CAST(OLD.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'department' AS dim, COALESCE(CAST(OLD.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' "
 "AS dim, COALESCE(CAST(OLD.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(OLD.channel AS VARCHAR(20)), '') AS k) AS dd WHERE OLD.callback_at IS NOT NULL AND "
 'OLD.satisfaction IS NOT NULL) AS x WHERE true GROUP BY township_id, month, dim, k ORDER BY township_id, '
 'month, dim, k ON CONFLICT (township_id, month, dim, key) DO UPDATE SET received = '
 'order_stats_month.received + excluded.received, closure_hit = order_stats_month.closure_hit + '
 'excluded.closure_hit, on_time_n = order_stats_month.on_time_n + excluded.on_time_n, on_time_hit = '
 'order_stats_month.on_time_hit + excluded.on_time_hit, contact_hit = order_stats_month.contact_hit + '
 'excluded.contact_hit, handling_n = order_stats_month.handling_n + excluded.handling_n, handling_hours = '
 'order_stats_month.handling_hours + excluded.handling_hours, overdue_n = order_stats_month.overdue_n + '
 'excluded.overdue_n, overdue_late = order_stats_month.overdue_late + excluded.overdue_late, supervised_hit '
 '= order_stats_month.supervised_hit + excluded.supervised_hit, redispatch_n = '
 'order_stats_month.redispatch_n + excluded.redispatch_n, redispatch_hit = order_stats_month.redispatch_hit '
 '+ excluded.redispatch_hit, petitions_hit = order_stats_month.petitions_hit + excluded.petitions_hit, '
 'satisfaction_n = order_stats_month.satisfaction_n + excluded.satisfaction_n, satisfaction_hit = '
 'order_stats_month.satisfaction_hit + excluded.satisfaction_hit;\n'
 'END',
 'CREATE TRIGGER trg_order_stats_update AFTER UPDATE ON work_order WHEN OLD.township_id IS NOT '
 'NEW.township_id OR OLD.status IS NOT NEW.status OR OLD.duplicate_of_id IS NOT NEW.duplicate_of_id OR '
 'OLD.received_at IS NOT NEW.received_at OR OLD.resolved_at IS NOT NEW.resolved_at OR OLD.due_at IS NOT '
 'NEW.due_at OR OLD.contacted_at IS NOT NEW.contacted_at OR OLD.supervised IS NOT NEW.supervised OR '
 'OLD.dispatched_at IS NOT NEW.dispatched_at OR OLD.bounce_count IS NOT NEW.bounce_count OR '
 'OLD.redispatch_count IS NOT NEW.redispatch_count OR OLD.channel IS NOT NEW.channel OR OLD.callback_at IS '
 'NOT NEW.callback_at OR OLD.satisfaction IS NOT NEW.satisfaction OR OLD.township_id IS NOT NEW.township_id '
 'OR OLD.village_id IS NOT NEW.village_id OR OLD.grid_id IS NOT NEW.grid_id OR OLD.platform_id IS NOT '
 'NEW.platform_id OR OLD.department_id IS NOT NEW.department_id OR OLD.category_id IS NOT NEW.category_id '
 'BEGIN\n'
 '  INSERT INTO order_stats_day (township_id, day, received, closure_hit, on_time_n, on_time_hit, '
 'contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, redispatch_n, '
 'redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, day, SUM(received), '
 'SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), SUM(handling_n), '
 'SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), SUM(redispatch_n), '
 'SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) FROM (SELECT '
 "OLD.township_id AS township_id, date(OLD.received_at, '+8 hours') AS day, -(1) AS received, -(CASE WHEN "
 "OLD.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS closure_hit, -(CASE WHEN OLD.resolved_at IS "
 'NOT NULL AND OLD.due_at IS NOT NULL THEN 1 ELSE 0 END) AS on_time_n, -(CASE WHEN OLD.resolved_at IS NOT '
 'NULL AND OLD.due_at IS NOT NULL AND OLD.resolved_at <= OLD.due_at THEN 1 ELSE 0 END) AS on_time_hit, '
 '-(CASE WHEN OLD.contacted_at IS NOT NULL AND ((julianday(OLD.contacted_at) - julianday(OLD.received_at)) * '
 '24.0) <= 24 THEN 1 ELSE 0 END) AS contact_hit, -(CASE WHEN OLD.resolved_at IS NOT NULL THEN 1 ELSE 0 END) '
 'AS handling_n, -(CASE WHEN OLD.resolved_at IS NOT NULL THEN ((julianday(OLD.resolved_at) - '
 'julianday(OLD.received_at)) * 24.0) ELSE 0.0 END) AS handling_hours, -(CASE WHEN OLD.due_at IS NOT NULL '
 'THEN 1 ELSE 0 END) AS overdue_n, -(CASE WHEN OLD.due_at IS NOT NULL AND OLD.resolved_at IS NOT NULL AND '
 'OLD.resolved_at > OLD.due_at THEN 1 ELSE 0 END) AS overdue_late, -(CASE WHEN OLD.supervised THEN 1 ELSE 0 '
 'END) AS supervised_hit, -(CASE WHEN OLD.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, '
 '-(CASE WHEN OLD.dispatched_at IS NOT NULL AND (OLD.bounce_count > 0 OR OLD.redispatch_count > 0) THEN 1 '
 "ELSE 0 END) AS redispatch_hit, -(CASE WHEN OLD.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, "
 "-(0) AS satisfaction_n, -(0) AS satisfaction_hit WHERE OLD.status <> 'cancelled' AND OLD.duplicate_of_id "
 "IS NULL UNION ALL SELECT OLD.township_id AS township_id, date(OLD.callback_at, '+8 hours') AS day, -(0) AS "
 'received, -(0) AS closure_hit, -(0) AS on_time_n, -(0) AS on_time_hit, -(0) AS contact_hit, -(0) AS '
 'handling_n, -(0.0) AS handling_hours, -(0) AS overdue_n, -(0) AS overdue_late, -(0) AS supervised_hit, '
 '-(0) AS redispatch_n, -(0) AS redispatch_hit, -(0) AS petitions_hit, -(1) AS satisfaction_n, -(CASE WHEN '
 "OLD.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS satisfaction_hit WHERE OLD.callback_at IS "
 'NOT NULL AND OLD.satisfaction IS NOT NULL UNION ALL SELECT NEW.township_id AS township_id, '
 "date(NEW.received_at, '+8 hours') AS day, (1) AS received, (CASE WHEN NEW.status IN ('resolved', "
 "'archived') THEN 1 ELSE 0 END) AS closure_hit, (CASE WHEN NEW.resolved_at IS NOT NULL AND NEW.due_at IS "
 'NOT NULL THEN 1 ELSE 0 END) AS on_time_n, (CASE WHEN NEW.resolved_at IS NOT NULL AND NEW.due_at IS NOT '
 'NULL AND NEW.resolved_at <= NEW.due_at THEN 1 ELSE 0 END) AS on_time_hit, (CASE WHEN NEW.contacted_at IS '
 'NOT NULL AND ((julianday(NEW.contacted_at) - julianday(NEW.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END) '
 'AS contact_hit, (CASE WHEN NEW.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS handling_n, (CASE WHEN '
 'NEW.resolved_at IS NOT NULL THEN ((julianday(NEW.resolved_at) - julianday(NEW.received_at)) * 24.0) ELSE '
 '0.0 END) AS handling_hours, (CASE WHEN NEW.due_at IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, (CASE WHEN '
 'NEW.due_at IS NOT NULL AND NEW.resolved_at IS NOT NULL AND NEW.resolved_at > NEW.due_at THEN 1 ELSE 0 END) '
 'AS overdue_late, (CASE WHEN NEW.supervised THEN 1 ELSE 0 END) AS supervised_hit, (CASE WHEN '
 'NEW.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, (CASE WHEN NEW.dispatched_at IS NOT NULL '
 'AND (NEW.bounce_count > 0 OR NEW.redispatch_count > 0) THEN 1 ELSE 0 END) AS redispatch_hit, (CASE WHEN '
 "NEW.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, (0) AS satisfaction_n, (0) AS "
 "satisfaction_hit WHERE NEW.status <> 'cancelled' AND NEW.duplicate_of_id IS NULL UNION ALL SELECT "
 "NEW.township_id AS township_id, date(NEW.callback_at, '+8 hours') AS day, (0) AS received, (0) AS "
 'closure_hit, (0) AS on_time_n, (0) AS on_time_hit, (0) AS contact_hit, (0) AS handling_n, (0.0) AS '
 'handling_hours, (0) AS overdue_n, (0) AS overdue_late, (0) AS supervised_hit, (0) AS redispatch_n, (0) AS '
 "redispatch_hit, (0) AS petitions_hit, (1) AS satisfaction_n, (CASE WHEN NEW.satisfaction IN ('satisfied', "
 "'basic') THEN 1 ELSE 0 END) AS satisfaction_hit WHERE NEW.callback_at IS NOT NULL AND NEW.satisfaction IS "
 'NOT NULL) AS x WHERE true GROUP BY township_id, day ORDER BY township_id, day ON CONFLICT (township_id, '
 'day) DO UPDATE SET received = order_stats_day.received + excluded.received, closure_hit = '
 'order_stats_day.closure_hit + excluded.closure_hit, on_time_n = order_stats_day.on_time_n + '
 'excluded.on_time_n, on_time_hit = order_stats_day.on_time_hit + excluded.on_time_hit, contact_hit = '
 'order_stats_day.contact_hit + excluded.contact_hit, handling_n = order_stats_day.handling_n + '
 'excluded.handling_n, handling_hours = order_stats_day.handling_hours + excluded.handling_hours, overdue_n '
 '= order_stats_day.overdue_n + excluded.overdue_n, overdue_late = order_stats_day.overdue_late + '
 'excluded.overdue_late, supervised_hit = order_stats_day.supervised_hit + excluded.supervised_hit, '
 'redispatch_n = order_stats_day.redispatch_n + excluded.redispatch_n, redispatch_hit = '
 'order_stats_day.redispatch_hit + excluded.redispatch_hit, petitions_hit = order_stats_day.petitions_hit + '
 'excluded.petitions_hit, satisfaction_n = order_stats_day.satisfaction_n + excluded.satisfaction_n, '
 'satisfaction_hit = order_stats_day.satisfaction_hit + excluded.satisfaction_hit;\n'
 '  INSERT INTO order_stats_month (township_id, month, dim, key, received, closure_hit, on_time_n, '
 'on_time_hit, contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, '
 'redispatch_n, redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, month, '
 'dim, k, SUM(received), SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), '
 'SUM(handling_n), SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), '
 'SUM(redispatch_n), SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) '
 "FROM (SELECT OLD.township_id AS township_id, date(OLD.received_at, '+8 hours', 'start of month') AS month, "
 "dd.dim, dd.k, -(1) AS received, -(CASE WHEN OLD.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS "
 'closure_hit, -(CASE WHEN OLD.resolved_at IS NOT NULL AND OLD.due_at IS NOT NULL THEN 1 ELSE 0 END) AS '
 'on_time_n, -(CASE WHEN OLD.resolved_at IS NOT NULL AND OLD.due_at IS NOT NULL AND OLD.resolved_at <= '
 'OLD.due_at THEN 1 ELSE 0 END) AS on_time_hit, -(CASE WHEN OLD.contacted_at IS NOT NULL AND '
 '((julianday(OLD.contacted_at) - julianday(OLD.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END) AS '
 'contact_hit, -(CASE WHEN OLD.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS handling_n, -(CASE WHEN '
 'OLD.resolved_at IS NOT NULL THEN ((julianday(OLD.resolved_at) - julianday(OLD.received_at)) * 24.0) ELSE '
 '0.0 END) AS handling_hours, -(CASE WHEN OLD.due_at IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, -(CASE '
 'WHEN OLD.due_at IS NOT NULL AND OLD.resolved_at IS NOT NULL AND OLD.resolved_at > OLD.due_at THEN 1 ELSE 0 '
 'END) AS overdue_late, -(CASE WHEN OLD.supervised THEN 1 ELSE 0 END) AS supervised_hit, -(CASE WHEN '
 'OLD.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, -(CASE WHEN OLD.dispatched_at IS NOT '
 'NULL AND (OLD.bounce_count > 0 OR OLD.redispatch_count > 0) THEN 1 ELSE 0 END) AS redispatch_hit, -(CASE '
 "WHEN OLD.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, -(0) AS satisfaction_n, -(0) AS "
 "satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(OLD.township_id AS VARCHAR(20)), '') AS k "
 "UNION ALL SELECT 'village' AS dim, COALESCE(CAST(OLD.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'grid' AS dim, COALESCE(CAST(OLD.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(OLD.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(OLD.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(OLD.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(OLD.channel AS VARCHAR(20)), '') AS k) AS dd WHERE OLD.status <> 'cancelled' AND "
 "OLD.duplicate_of_id IS NULL UNION ALL SELECT OLD.township_id AS township_id, date(OLD.callback_at, '+8 "
 "hours', 'start of month') AS month, dd.dim, dd.k, -(0) AS received, -(0) AS closure_hit, -(0) AS "
 'on_time_n, -(0) AS on_time_hit, -(0) AS contact_hit, -(0) AS handling_n, -(0.0) AS handling_hours, -(0) AS '
 'overdue_n, -(0) AS overdue_late, -(0) AS supervised_hit, -(0) AS redispatch_n, -(0) AS redispatch_hit, '
 "-(0) AS petitions_hit, -(1) AS satisfaction_n, -(CASE WHEN OLD.satisfaction IN ('satisfied', 'basic') THEN "
 "1 ELSE 0 END) AS satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(OLD.township_id AS "
 "VARCHAR(20)), '') AS k UNION ALL SELECT 'village' AS dim, COALESCE(CAST(OLD.village_id AS VARCHAR(20)), "
 "'') AS k UNION ALL SELECT 'grid' AS dim, COALESCE(CAST(OLD.grid_id AS VARCHAR(20)), '') AS k UNION ALL "
 "SELECT 'platform' AS dim, COALESCE(CAST(OLD.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'department' AS dim, COALESCE(CAST(OLD.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' "
 "AS dim, COALESCE(CAST(OLD.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(OLD.channel AS VARCHAR(20)), '') AS k) AS dd WHERE OLD.callback_at IS NOT NULL AND "
 "OLD.satisfaction IS NOT NULL UNION ALL SELECT NEW.township_id AS township_id, date(NEW.received_at, '+8 "
 "hours', 'start of month') AS month, dd.dim, dd.k, (1) AS received, (CASE WHEN NEW.status IN ('resolved', "
 "'archived') THEN 1 ELSE 0 END) AS closure_hit, (CASE WHEN NEW.resolved_at IS NOT NULL AND NEW.due_at IS "
 'NOT NULL THEN 1 ELSE 0 END) AS on_time_n, (CASE WHEN NEW.resolved_at IS NOT NULL AND NEW.due_at IS NOT '
 'NULL AND NEW.resolved_at <= NEW.due_at THEN 1 ELSE 0 END) AS on_time_hit, (CASE WHEN NEW.contacted_at IS '
 'NOT NULL AND ((julianday(NEW.contacted_at) - julianday(NEW.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END) '
 'AS contact_hit, (CASE WHEN NEW.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS handling_n, (CASE WHEN '
 'NEW.resolved_at IS NOT NULL THEN ((julianday(NEW.resolved_at) - julianday(NEW.received_at)) * 24.0) ELSE '
 '0.0 END) AS handling_hours, (CASE WHEN NEW.due_at IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, (CASE WHEN '
 'NEW.due_at IS NOT NULL AND NEW.resolved_at IS NOT NULL AND NEW.resolved_at > NEW.due_at THEN 1 ELSE 0 END) '
 'AS overdue_late, (CASE WHEN NEW.supervised THEN 1 ELSE 0 END) AS supervised_hit, (CASE WHEN '
 'NEW.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, (CASE WHEN NEW.dispatched_at IS NOT NULL '
 'AND (NEW.bounce_count > 0 OR NEW.redispatch_count > 0) THEN 1 ELSE 0 END) AS redispatch_hit, (CASE WHEN '
 "NEW.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, (0) AS satisfaction_n, (0) AS "
 "satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(NEW.township_id AS VARCHAR(20)), '') AS k "
 "UNION ALL SELECT 'village' AS dim, COALESCE(CAST(NEW.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'grid' AS dim, COALESCE(CAST(NEW.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(NEW.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(NEW.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(NEW.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(NEW.channel AS VARCHAR(20)), '') AS k) AS dd WHERE NEW.status <> 'cancelled' AND "
 "NEW.duplicate_of_id IS NULL UNION ALL SELECT NEW.township_id AS township_id, date(NEW.callback_at, '+8 "
 "hours', 'start of month') AS month, dd.dim, dd.k, (0) AS received, (0) AS closure_hit, (0) AS on_time_n, "
 '(0) AS on_time_hit, (0) AS contact_hit, (0) AS handling_n, (0.0) AS handling_hours, (0) AS overdue_n, (0) '
 'AS overdue_late, (0) AS supervised_hit, (0) AS redispatch_n, (0) AS redispatch_hit, (0) AS petitions_hit, '
 "(1) AS satisfaction_n, (CASE WHEN NEW.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS "
 "satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(NEW.township_id AS VARCHAR(20)), '') AS k "
 "UNION ALL SELECT 'village' AS dim, COALESCE(CAST(NEW.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'grid' AS dim, COALESCE(CAST(NEW.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(NEW.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(NEW.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(NEW.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(NEW.channel AS VARCHAR(20)), '') AS k) AS dd WHERE NEW.callback_at IS NOT NULL AND "
 'NEW.satisfaction IS NOT NULL) AS x WHERE true GROUP BY township_id, month, dim, k ORDER BY township_id, '
 'month, dim, k ON CONFLICT (township_id, month, dim, key) DO UPDATE SET received = '
 'order_stats_month.received + excluded.received, closure_hit = order_stats_month.closure_hit + '
 'excluded.closure_hit, on_time_n = order_stats_month.on_time_n + excluded.on_time_n, on_time_hit = '
 'order_stats_month.on_time_hit + excluded.on_time_hit, contact_hit = order_stats_month.contact_hit + '
 'excluded.contact_hit, handling_n = order_stats_month.handling_n + excluded.handling_n, handling_hours = '
 'order_stats_month.handling_hours + excluded.handling_hours, overdue_n = order_stats_month.overdue_n + '
 'excluded.overdue_n, overdue_late = order_stats_month.overdue_late + excluded.overdue_late, supervised_hit '
 '= order_stats_month.supervised_hit + excluded.supervised_hit, redispatch_n = '
 'order_stats_month.redispatch_n + excluded.redispatch_n, redispatch_hit = order_stats_month.redispatch_hit '
 '+ excluded.redispatch_hit, petitions_hit = order_stats_month.petitions_hit + excluded.petitions_hit, '
 'satisfaction_n = order_stats_month.satisfaction_n + excluded.satisfaction_n, satisfaction_hit = '
 'order_stats_month.satisfaction_hit + excluded.satisfaction_hit;\n'
 'END']

DROP_SQLITE = ['DROP TRIGGER IF EXISTS trg_order_stats_insert',
 'DROP TRIGGER IF EXISTS trg_order_stats_delete',
 'DROP TRIGGER IF EXISTS trg_order_stats_update']

REBUILD_SQLITE = ['DELETE FROM order_stats_day',
 'DELETE FROM order_stats_month',
 'INSERT INTO order_stats_day (township_id, day, received, closure_hit, on_time_n, on_time_hit, contact_hit, '
 'handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, redispatch_n, redispatch_hit, '
 'petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, day, SUM(received) AS received, '
 'SUM(closure_hit) AS closure_hit, SUM(on_time_n) AS on_time_n, SUM(on_time_hit) AS on_time_hit, '
 'SUM(contact_hit) AS contact_hit, SUM(handling_n) AS handling_n, SUM(handling_hours) AS handling_hours, '
 'SUM(overdue_n) AS overdue_n, SUM(overdue_late) AS overdue_late, SUM(supervised_hit) AS supervised_hit, '
 'SUM(redispatch_n) AS redispatch_n, SUM(redispatch_hit) AS redispatch_hit, SUM(petitions_hit) AS '
 'petitions_hit, SUM(satisfaction_n) AS satisfaction_n, SUM(satisfaction_hit) AS satisfaction_hit FROM '
 "(SELECT w.township_id AS township_id, date(w.received_at, '+8 hours') AS day, 1 AS received, CASE WHEN "
 "w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS closure_hit, CASE WHEN w.resolved_at IS NOT NULL "
 'AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at '
 'IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS on_time_hit, CASE WHEN w.contacted_at IS '
 'NOT NULL AND ((julianday(w.contacted_at) - julianday(w.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END AS '
 'contact_hit, CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at '
 'IS NOT NULL THEN ((julianday(w.resolved_at) - julianday(w.received_at)) * 24.0) ELSE 0.0 END AS '
 'handling_hours, CASE WHEN w.due_at IS NOT NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT '
 'NULL AND w.resolved_at IS NOT NULL AND w.resolved_at > w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE '
 'WHEN w.supervised THEN 1 ELSE 0 END AS supervised_hit, CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 '
 'END AS redispatch_n, CASE WHEN w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR w.redispatch_count > '
 "0) THEN 1 ELSE 0 END AS redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE 0 END AS "
 "petitions_hit, 0 AS satisfaction_n, 0 AS satisfaction_hit FROM work_order w WHERE w.status <> 'cancelled' "
 "AND w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS township_id, date(w.callback_at, '+8 "
 "hours') AS day, 0 AS received, 0 AS closure_hit, 0 AS on_time_n, 0 AS on_time_hit, 0 AS contact_hit, 0 AS "
 'handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 AS overdue_late, 0 AS supervised_hit, 0 AS '
 'redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS satisfaction_n, CASE WHEN w.satisfaction IN '
 "('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit FROM work_order w WHERE w.callback_at IS NOT "
 'NULL AND w.satisfaction IS NOT NULL) AS x GROUP BY township_id, day',
 'INSERT INTO order_stats_month (township_id, month, dim, key, received, closure_hit, on_time_n, '
 'on_time_hit, contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, '
 'redispatch_n, redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, month, '
 'dim, k, SUM(received) AS received, SUM(closure_hit) AS closure_hit, SUM(on_time_n) AS on_time_n, '
 'SUM(on_time_hit) AS on_time_hit, SUM(contact_hit) AS contact_hit, SUM(handling_n) AS handling_n, '
 'SUM(handling_hours) AS handling_hours, SUM(overdue_n) AS overdue_n, SUM(overdue_late) AS overdue_late, '
 'SUM(supervised_hit) AS supervised_hit, SUM(redispatch_n) AS redispatch_n, SUM(redispatch_hit) AS '
 'redispatch_hit, SUM(petitions_hit) AS petitions_hit, SUM(satisfaction_n) AS satisfaction_n, '
 'SUM(satisfaction_hit) AS satisfaction_hit FROM (SELECT w.township_id AS township_id, date(w.received_at, '
 "'+8 hours', 'start of month') AS month, 'township' AS dim, COALESCE(CAST(w.township_id AS VARCHAR(20)), "
 "'') AS k, 1 AS received, CASE WHEN w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS closure_hit, "
 'CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, CASE WHEN '
 'w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS '
 'on_time_hit, CASE WHEN w.contacted_at IS NOT NULL AND ((julianday(w.contacted_at) - '
 'julianday(w.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END AS contact_hit, CASE WHEN w.resolved_at IS NOT '
 'NULL THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at IS NOT NULL THEN ((julianday(w.resolved_at) '
 '- julianday(w.received_at)) * 24.0) ELSE 0.0 END AS handling_hours, CASE WHEN w.due_at IS NOT NULL THEN 1 '
 'ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT NULL AND w.resolved_at IS NOT NULL AND w.resolved_at > '
 'w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE WHEN w.supervised THEN 1 ELSE 0 END AS supervised_hit, '
 'CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS redispatch_n, CASE WHEN w.dispatched_at IS NOT '
 'NULL AND (w.bounce_count > 0 OR w.redispatch_count > 0) THEN 1 ELSE 0 END AS redispatch_hit, CASE WHEN '
 "w.channel = 'petition' THEN 1 ELSE 0 END AS petitions_hit, 0 AS satisfaction_n, 0 AS satisfaction_hit FROM "
 "work_order w WHERE w.status <> 'cancelled' AND w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS "
 "township_id, date(w.received_at, '+8 hours', 'start of month') AS month, 'village' AS dim, "
 "COALESCE(CAST(w.village_id AS VARCHAR(20)), '') AS k, 1 AS received, CASE WHEN w.status IN ('resolved', "
 "'archived') THEN 1 ELSE 0 END AS closure_hit, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL "
 'THEN 1 ELSE 0 END AS on_time_n, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL AND '
 'w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS on_time_hit, CASE WHEN w.contacted_at IS NOT NULL AND '
 '((julianday(w.contacted_at) - julianday(w.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END AS contact_hit, '
 'CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at IS NOT NULL '
 'THEN ((julianday(w.resolved_at) - julianday(w.received_at)) * 24.0) ELSE 0.0 END AS handling_hours, CASE '
 'WHEN w.due_at IS NOT NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT NULL AND w.resolved_at '
 'IS NOT NULL AND w.resolved_at > w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE WHEN w.supervised THEN 1 '
 'ELSE 0 END AS supervised_hit, CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS redispatch_n, '
 'CASE WHEN w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR w.redispatch_count > 0) THEN 1 ELSE 0 END '
 "AS redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE 0 END AS petitions_hit, 0 AS "
 "satisfaction_n, 0 AS satisfaction_hit FROM work_order w WHERE w.status <> 'cancelled' AND "
 "w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS township_id, date(w.received_at, '+8 hours', "
 "'start of month') AS month, 'grid' AS dim, COALESCE(CAST(w.grid_id AS VARCHAR(20)), '') AS k, 1 AS "
 "received, CASE WHEN w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS closure_hit, CASE WHEN "
 'w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, CASE WHEN w.resolved_at '
 'IS NOT NULL AND w.due_at IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS on_time_hit, CASE '
 'WHEN w.contacted_at IS NOT NULL AND ((julianday(w.contacted_at) - julianday(w.received_at)) * 24.0) <= 24 '
 'THEN 1 ELSE 0 END AS contact_hit, CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS handling_n, '
 'CASE WHEN w.resolved_at IS NOT NULL THEN ((julianday(w.resolved_at) - julianday(w.received_at)) * 24.0) '
 'ELSE 0.0 END AS handling_hours, CASE WHEN w.due_at IS NOT NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN '
 'w.due_at IS NOT NULL AND w.resolved_at IS NOT NULL AND w.resolved_at > w.due_at THEN 1 ELSE 0 END AS '
 'overdue_late, CASE WHEN w.supervised THEN 1 ELSE 0 END AS supervised_hit, CASE WHEN w.dispatched_at IS NOT '
 'NULL THEN 1 ELSE 0 END AS redispatch_n, CASE WHEN w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR '
 "w.redispatch_count > 0) THEN 1 ELSE 0 END AS redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE "
 '0 END AS petitions_hit, 0 AS satisfaction_n, 0 AS satisfaction_hit FROM work_order w WHERE w.status <> '
 "'cancelled' AND w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS township_id, "
 "date(w.received_at, '+8 hours', 'start of month') AS month, 'platform' AS dim, COALESCE(CAST(w.platform_id "
 "AS VARCHAR(20)), '') AS k, 1 AS received, CASE WHEN w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END "
 'AS closure_hit, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS '
 'on_time_n, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL AND w.resolved_at <= w.due_at THEN '
 '1 ELSE 0 END AS on_time_hit, CASE WHEN w.contacted_at IS NOT NULL AND ((julianday(w.contacted_at) - '
 'julianday(w.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END AS contact_hit, CASE WHEN w.resolved_at IS NOT '
 'NULL THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at IS NOT NULL THEN ((julianday(w.resolved_at) '
 '- julianday(w.received_at)) * 24.0) ELSE 0.0 END AS handling_hours, CASE WHEN w.due_at IS NOT NULL THEN 1 '
 'ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT NULL AND w.resolved_at IS NOT NULL AND w.resolved_at > '
 'w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE WHEN w.supervised THEN 1 ELSE 0 END AS supervised_hit, '
 'CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS redispatch_n, CASE WHEN w.dispatched_at IS NOT '
 'NULL AND (w.bounce_count > 0 OR w.redispatch_count > 0) THEN 1 ELSE 0 END AS redispatch_hit, CASE WHEN '
 "w.channel = 'petition' THEN 1 ELSE 0 END AS petitions_hit, 0 AS satisfaction_n, 0 AS satisfaction_hit FROM "
 "work_order w WHERE w.status <> 'cancelled' AND w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS "
 "township_id, date(w.received_at, '+8 hours', 'start of month') AS month, 'department' AS dim, "
 "COALESCE(CAST(w.department_id AS VARCHAR(20)), '') AS k, 1 AS received, CASE WHEN w.status IN ('resolved', "
 "'archived') THEN 1 ELSE 0 END AS closure_hit, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL "
 'THEN 1 ELSE 0 END AS on_time_n, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL AND '
 'w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS on_time_hit, CASE WHEN w.contacted_at IS NOT NULL AND '
 '((julianday(w.contacted_at) - julianday(w.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END AS contact_hit, '
 'CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at IS NOT NULL '
 'THEN ((julianday(w.resolved_at) - julianday(w.received_at)) * 24.0) ELSE 0.0 END AS handling_hours, CASE '
 'WHEN w.due_at IS NOT NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT NULL AND w.resolved_at '
 'IS NOT NULL AND w.resolved_at > w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE WHEN w.supervised THEN 1 '
 'ELSE 0 END AS supervised_hit, CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS redispatch_n, '
 'CASE WHEN w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR w.redispatch_count > 0) THEN 1 ELSE 0 END '
 "AS redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE 0 END AS petitions_hit, 0 AS "
 "satisfaction_n, 0 AS satisfaction_hit FROM work_order w WHERE w.status <> 'cancelled' AND "
 "w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS township_id, date(w.received_at, '+8 hours', "
 "'start of month') AS month, 'category' AS dim, COALESCE(CAST(w.category_id AS VARCHAR(20)), '') AS k, 1 AS "
 "received, CASE WHEN w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS closure_hit, CASE WHEN "
 'w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, CASE WHEN w.resolved_at '
 'IS NOT NULL AND w.due_at IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS on_time_hit, CASE '
 'WHEN w.contacted_at IS NOT NULL AND ((julianday(w.contacted_at) - julianday(w.received_at)) * 24.0) <= 24 '
 'THEN 1 ELSE 0 END AS contact_hit, CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS handling_n, '
 'CASE WHEN w.resolved_at IS NOT NULL THEN ((julianday(w.resolved_at) - julianday(w.received_at)) * 24.0) '
 'ELSE 0.0 END AS handling_hours, CASE WHEN w.due_at IS NOT NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN '
 'w.due_at IS NOT NULL AND w.resolved_at IS NOT NULL AND w.resolved_at > w.due_at THEN 1 ELSE 0 END AS '
 'overdue_late, CASE WHEN w.supervised THEN 1 ELSE 0 END AS supervised_hit, CASE WHEN w.dispatched_at IS NOT '
 'NULL THEN 1 ELSE 0 END AS redispatch_n, CASE WHEN w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR '
 "w.redispatch_count > 0) THEN 1 ELSE 0 END AS redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE "
 '0 END AS petitions_hit, 0 AS satisfaction_n, 0 AS satisfaction_hit FROM work_order w WHERE w.status <> '
 "'cancelled' AND w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS township_id, "
 "date(w.received_at, '+8 hours', 'start of month') AS month, 'channel' AS dim, COALESCE(CAST(w.channel AS "
 "VARCHAR(20)), '') AS k, 1 AS received, CASE WHEN w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS "
 'closure_hit, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, '
 'CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 '
 'END AS on_time_hit, CASE WHEN w.contacted_at IS NOT NULL AND ((julianday(w.contacted_at) - '
 'julianday(w.received_at)) * 24.0) <= 24 THEN 1 ELSE 0 END AS contact_hit, CASE WHEN w.resolved_at IS NOT '
 'NULL THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at IS NOT NULL THEN ((julianday(w.resolved_at) '
 '- julianday(w.received_at)) * 24.0) ELSE 0.0 END AS handling_hours, CASE WHEN w.due_at IS NOT NULL THEN 1 '
 'ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT NULL AND w.resolved_at IS NOT NULL AND w.resolved_at > '
 'w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE WHEN w.supervised THEN 1 ELSE 0 END AS supervised_hit, '
 'CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS redispatch_n, CASE WHEN w.dispatched_at IS NOT '
 'NULL AND (w.bounce_count > 0 OR w.redispatch_count > 0) THEN 1 ELSE 0 END AS redispatch_hit, CASE WHEN '
 "w.channel = 'petition' THEN 1 ELSE 0 END AS petitions_hit, 0 AS satisfaction_n, 0 AS satisfaction_hit FROM "
 "work_order w WHERE w.status <> 'cancelled' AND w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS "
 "township_id, date(w.callback_at, '+8 hours', 'start of month') AS month, 'township' AS dim, "
 "COALESCE(CAST(w.township_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS on_time_n, 0 "
 'AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 AS '
 'overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS '
 "satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit "
 'FROM work_order w WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL UNION ALL SELECT '
 "w.township_id AS township_id, date(w.callback_at, '+8 hours', 'start of month') AS month, 'village' AS "
 "dim, COALESCE(CAST(w.village_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS "
 'on_time_n, 0 AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 '
 'AS overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS '
 "satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit "
 'FROM work_order w WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL UNION ALL SELECT '
 "w.township_id AS township_id, date(w.callback_at, '+8 hours', 'start of month') AS month, 'grid' AS dim, "
 "COALESCE(CAST(w.grid_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS on_time_n, 0 AS "
 'on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 AS overdue_late, '
 '0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS satisfaction_n, CASE '
 "WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit FROM work_order w "
 'WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL UNION ALL SELECT w.township_id AS '
 "township_id, date(w.callback_at, '+8 hours', 'start of month') AS month, 'platform' AS dim, "
 "COALESCE(CAST(w.platform_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS on_time_n, 0 "
 'AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 AS '
 'overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS '
 "satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit "
 'FROM work_order w WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL UNION ALL SELECT '
 "w.township_id AS township_id, date(w.callback_at, '+8 hours', 'start of month') AS month, 'department' AS "
 "dim, COALESCE(CAST(w.department_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS "
 'on_time_n, 0 AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 '
 'AS overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS '
 "satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit "
 'FROM work_order w WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL UNION ALL SELECT '
 "w.township_id AS township_id, date(w.callback_at, '+8 hours', 'start of month') AS month, 'category' AS "
 "dim, COALESCE(CAST(w.category_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS "
 'on_time_n, 0 AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 '
 'AS overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS '
 "satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit "
 'FROM work_order w WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL UNION ALL SELECT '
 "w.township_id AS township_id, date(w.callback_at, '+8 hours', 'start of month') AS month, 'channel' AS "
 "dim, COALESCE(CAST(w.channel AS VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS on_time_n, 0 "
 'AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 AS '
 'overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS '
 "satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit "
 'FROM work_order w WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL) AS x GROUP BY '
 'township_id, month, dim, k']

TRIGGERS_POSTGRESQL = ['CREATE OR REPLACE FUNCTION order_stats_lock() RETURNS trigger LANGUAGE plpgsql AS $fn$\n'
 'BEGIN\n'
 '  PERFORM pg_advisory_xact_lock(1869767795);\n'
 '  RETURN NULL;\n'
 'END\n'
 '$fn$',
 'CREATE TRIGGER trg_order_stats_lock BEFORE INSERT OR UPDATE OR DELETE ON work_order FOR EACH STATEMENT '
 'EXECUTE FUNCTION order_stats_lock()',
 'CREATE OR REPLACE FUNCTION order_stats_apply() RETURNS trigger LANGUAGE plpgsql AS $fn$\n'
 'BEGIN\n'
 "  IF TG_OP = 'INSERT' THEN\n"
 '    INSERT INTO order_stats_day (township_id, day, received, closure_hit, on_time_n, on_time_hit, '
 'contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, redispatch_n, '
 'redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, day, SUM(received), '
 'SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), SUM(handling_n), '
 'SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), SUM(redispatch_n), '
 'SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) FROM (SELECT '
 "NEW.township_id AS township_id, CAST((NEW.received_at) + INTERVAL '8 hours' AS DATE) AS day, (1) AS "
 "received, (CASE WHEN NEW.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS closure_hit, (CASE WHEN "
 'NEW.resolved_at IS NOT NULL AND NEW.due_at IS NOT NULL THEN 1 ELSE 0 END) AS on_time_n, (CASE WHEN '
 'NEW.resolved_at IS NOT NULL AND NEW.due_at IS NOT NULL AND NEW.resolved_at <= NEW.due_at THEN 1 ELSE 0 '
 'END) AS on_time_hit, (CASE WHEN NEW.contacted_at IS NOT NULL AND (EXTRACT(EPOCH FROM (NEW.contacted_at) - '
 '(NEW.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 END) AS contact_hit, (CASE WHEN NEW.resolved_at IS NOT '
 'NULL THEN 1 ELSE 0 END) AS handling_n, (CASE WHEN NEW.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM '
 '(NEW.resolved_at) - (NEW.received_at)) / 3600.0) ELSE 0.0 END) AS handling_hours, (CASE WHEN NEW.due_at IS '
 'NOT NULL THEN 1 ELSE 0 END) AS overdue_n, (CASE WHEN NEW.due_at IS NOT NULL AND NEW.resolved_at IS NOT '
 'NULL AND NEW.resolved_at > NEW.due_at THEN 1 ELSE 0 END) AS overdue_late, (CASE WHEN NEW.supervised THEN 1 '
 'ELSE 0 END) AS supervised_hit, (CASE WHEN NEW.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS '
 'redispatch_n, (CASE WHEN NEW.dispatched_at IS NOT NULL AND (NEW.bounce_count > 0 OR NEW.redispatch_count > '
 "0) THEN 1 ELSE 0 END) AS redispatch_hit, (CASE WHEN NEW.channel = 'petition' THEN 1 ELSE 0 END) AS "
 "petitions_hit, (0) AS satisfaction_n, (0) AS satisfaction_hit WHERE NEW.status <> 'cancelled' AND "
 'NEW.duplicate_of_id IS NULL UNION ALL SELECT NEW.township_id AS township_id, CAST((NEW.callback_at) + '
 "INTERVAL '8 hours' AS DATE) AS day, (0) AS received, (0) AS closure_hit, (0) AS on_time_n, (0) AS "
 'on_time_hit, (0) AS contact_hit, (0) AS handling_n, (0.0) AS handling_hours, (0) AS overdue_n, (0) AS '
 'overdue_late, (0) AS supervised_hit, (0) AS redispatch_n, (0) AS redispatch_hit, (0) AS petitions_hit, (1) '
 "AS satisfaction_n, (CASE WHEN NEW.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS "
 'satisfaction_hit WHERE NEW.callback_at IS NOT NULL AND NEW.satisfaction IS NOT NULL) AS x WHERE true GROUP '
 'BY township_id, day ORDER BY township_id, day ON CONFLICT (township_id, day) DO UPDATE SET received = '
 'order_stats_day.received + excluded.received, closure_hit = order_stats_day.closure_hit + '
 'excluded.closure_hit, on_time_n = order_stats_day.on_time_n + excluded.on_time_n, on_time_hit = '
 'order_stats_day.on_time_hit + excluded.on_time_hit, contact_hit = order_stats_day.contact_hit + '
 'excluded.contact_hit, handling_n = order_stats_day.handling_n + excluded.handling_n, handling_hours = '
 'order_stats_day.handling_hours + excluded.handling_hours, overdue_n = order_stats_day.overdue_n + '
 'excluded.overdue_n, overdue_late = order_stats_day.overdue_late + excluded.overdue_late, supervised_hit = '
 'order_stats_day.supervised_hit + excluded.supervised_hit, redispatch_n = order_stats_day.redispatch_n + '
 'excluded.redispatch_n, redispatch_hit = order_stats_day.redispatch_hit + excluded.redispatch_hit, '
 'petitions_hit = order_stats_day.petitions_hit + excluded.petitions_hit, satisfaction_n = '
 'order_stats_day.satisfaction_n + excluded.satisfaction_n, satisfaction_hit = '
 'order_stats_day.satisfaction_hit + excluded.satisfaction_hit;\n'
 '    INSERT INTO order_stats_month (township_id, month, dim, key, received, closure_hit, on_time_n, '
 'on_time_hit, contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, '
 'redispatch_n, redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, month, '
 'dim, k, SUM(received), SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), '
 'SUM(handling_n), SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), '
 'SUM(redispatch_n), SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) '
 "FROM (SELECT NEW.township_id AS township_id, CAST(date_trunc('month', (NEW.received_at) + INTERVAL '8 "
 "hours') AS DATE) AS month, dd.dim, dd.k, (1) AS received, (CASE WHEN NEW.status IN ('resolved', "
 "'archived') THEN 1 ELSE 0 END) AS closure_hit, (CASE WHEN NEW.resolved_at IS NOT NULL AND NEW.due_at IS "
 'NOT NULL THEN 1 ELSE 0 END) AS on_time_n, (CASE WHEN NEW.resolved_at IS NOT NULL AND NEW.due_at IS NOT '
 'NULL AND NEW.resolved_at <= NEW.due_at THEN 1 ELSE 0 END) AS on_time_hit, (CASE WHEN NEW.contacted_at IS '
 'NOT NULL AND (EXTRACT(EPOCH FROM (NEW.contacted_at) - (NEW.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 '
 'END) AS contact_hit, (CASE WHEN NEW.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS handling_n, (CASE WHEN '
 'NEW.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM (NEW.resolved_at) - (NEW.received_at)) / 3600.0) ELSE '
 '0.0 END) AS handling_hours, (CASE WHEN NEW.due_at IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, (CASE WHEN '
 'NEW.due_at IS NOT NULL AND NEW.resolved_at IS NOT NULL AND NEW.resolved_at > NEW.due_at THEN 1 ELSE 0 END) '
 'AS overdue_late, (CASE WHEN NEW.supervised THEN 1 ELSE 0 END) AS supervised_hit, (CASE WHEN '
 'NEW.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, (CASE WHEN NEW.dispatched_at IS NOT NULL '
 'AND (NEW.bounce_count > 0 OR NEW.redispatch_count > 0) THEN 1 ELSE 0 END) AS redispatch_hit, (CASE WHEN '
 "NEW.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, (0) AS satisfaction_n, (0) AS "
 "satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(NEW.township_id AS VARCHAR(20)), '') AS k "
 "UNION ALL SELECT 'village' AS dim, COALESCE(CAST(NEW.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'grid' AS dim, COALESCE(CAST(NEW.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(NEW.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(NEW.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(NEW.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(NEW.channel AS VARCHAR(20)), '') AS k) AS dd WHERE NEW.status <> 'cancelled' AND "
 "NEW.duplicate_of_id IS NULL UNION ALL SELECT NEW.township_id AS township_id, CAST(date_trunc('month', "
 "(NEW.callback_at) + INTERVAL '8 hours') AS DATE) AS month, dd.dim, dd.k, (0) AS received, (0) AS "
 'closure_hit, (0) AS on_time_n, (0) AS on_time_hit, (0) AS contact_hit, (0) AS handling_n, (0.0) AS '
 'handling_hours, (0) AS overdue_n, (0) AS overdue_late, (0) AS supervised_hit, (0) AS redispatch_n, (0) AS '
 "redispatch_hit, (0) AS petitions_hit, (1) AS satisfaction_n, (CASE WHEN NEW.satisfaction IN ('satisfied', "
 "'basic') THEN 1 ELSE 0 END) AS satisfaction_hit FROM (SELECT 'township' AS dim, "
 "COALESCE(CAST(NEW.township_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'village' AS dim, "
 "COALESCE(CAST(NEW.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'grid' AS dim, "
 "COALESCE(CAST(NEW.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(NEW.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(NEW.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(NEW.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(NEW.channel AS VARCHAR(20)), '') AS k) AS dd WHERE NEW.callback_at IS NOT NULL AND "
 'NEW.satisfaction IS NOT NULL) AS x WHERE true GROUP BY township_id, month, dim, k ORDER BY township_id, '
 'month, dim, k ON CONFLICT (township_id, month, dim, key) DO UPDATE SET received = '
 'order_stats_month.received + excluded.received, closure_hit = order_stats_month.closure_hit + '
 'excluded.closure_hit, on_time_n = order_stats_month.on_time_n + excluded.on_time_n, on_time_hit = '
 'order_stats_month.on_time_hit + excluded.on_time_hit, contact_hit = order_stats_month.contact_hit + '
 'excluded.contact_hit, handling_n = order_stats_month.handling_n + excluded.handling_n, handling_hours = '
 'order_stats_month.handling_hours + excluded.handling_hours, overdue_n = order_stats_month.overdue_n + '
 'excluded.overdue_n, overdue_late = order_stats_month.overdue_late + excluded.overdue_late, supervised_hit '
 '= order_stats_month.supervised_hit + excluded.supervised_hit, redispatch_n = '
 'order_stats_month.redispatch_n + excluded.redispatch_n, redispatch_hit = order_stats_month.redispatch_hit '
 '+ excluded.redispatch_hit, petitions_hit = order_stats_month.petitions_hit + excluded.petitions_hit, '
 'satisfaction_n = order_stats_month.satisfaction_n + excluded.satisfaction_n, satisfaction_hit = '
 'order_stats_month.satisfaction_hit + excluded.satisfaction_hit;\n'
 "  ELSIF TG_OP = 'DELETE' THEN\n"
 '    INSERT INTO order_stats_day (township_id, day, received, closure_hit, on_time_n, on_time_hit, '
 'contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, redispatch_n, '
 'redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, day, SUM(received), '
 'SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), SUM(handling_n), '
 'SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), SUM(redispatch_n), '
 'SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) FROM (SELECT '
 "OLD.township_id AS township_id, CAST((OLD.received_at) + INTERVAL '8 hours' AS DATE) AS day, -(1) AS "
 "received, -(CASE WHEN OLD.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS closure_hit, -(CASE "
 'WHEN OLD.resolved_at IS NOT NULL AND OLD.due_at IS NOT NULL THEN 1 ELSE 0 END) AS on_time_n, -(CASE WHEN '
 'OLD.resolved_at IS NOT NULL AND OLD.due_at IS NOT NULL AND OLD.resolved_at <= OLD.due_at THEN 1 ELSE 0 '
 'END) AS on_time_hit, -(CASE WHEN OLD.contacted_at IS NOT NULL AND (EXTRACT(EPOCH FROM (OLD.contacted_at) - '
 '(OLD.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 END) AS contact_hit, -(CASE WHEN OLD.resolved_at IS NOT '
 'NULL THEN 1 ELSE 0 END) AS handling_n, -(CASE WHEN OLD.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM '
 '(OLD.resolved_at) - (OLD.received_at)) / 3600.0) ELSE 0.0 END) AS handling_hours, -(CASE WHEN OLD.due_at '
 'IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, -(CASE WHEN OLD.due_at IS NOT NULL AND OLD.resolved_at IS NOT '
 'NULL AND OLD.resolved_at > OLD.due_at THEN 1 ELSE 0 END) AS overdue_late, -(CASE WHEN OLD.supervised THEN '
 '1 ELSE 0 END) AS supervised_hit, -(CASE WHEN OLD.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS '
 'redispatch_n, -(CASE WHEN OLD.dispatched_at IS NOT NULL AND (OLD.bounce_count > 0 OR OLD.redispatch_count '
 "> 0) THEN 1 ELSE 0 END) AS redispatch_hit, -(CASE WHEN OLD.channel = 'petition' THEN 1 ELSE 0 END) AS "
 "petitions_hit, -(0) AS satisfaction_n, -(0) AS satisfaction_hit WHERE OLD.status <> 'cancelled' AND "
 'OLD.duplicate_of_id IS NULL UNION ALL SELECT OLD.township_id AS township_id, CAST((OLD.callback_at) + '
 "INTERVAL '8 hours' AS DATE) AS day, -(0) AS received, -(0) AS closure_hit, -(0) AS on_time_n, -(0) AS "
 'on_time_hit, -(0) AS contact_hit, -(0) AS handling_n, -(0.0) AS handling_hours, -(0) AS overdue_n, -(0) AS '
 'overdue_late, -(0) AS supervised_hit, -(0) AS redispatch_n, -(0) AS redispatch_hit, -(0) AS petitions_hit, '
 "-(1) AS satisfaction_n, -(CASE WHEN OLD.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS "
 'satisfaction_hit WHERE OLD.callback_at IS NOT NULL AND OLD.satisfaction IS NOT NULL) AS x WHERE true GROUP '
 'BY township_id, day ORDER BY township_id, day ON CONFLICT (township_id, day) DO UPDATE SET received = '
 'order_stats_day.received + excluded.received, closure_hit = order_stats_day.closure_hit + '
 'excluded.closure_hit, on_time_n = order_stats_day.on_time_n + excluded.on_time_n, on_time_hit = '
 'order_stats_day.on_time_hit + excluded.on_time_hit, contact_hit = order_stats_day.contact_hit + '
 'excluded.contact_hit, handling_n = order_stats_day.handling_n + excluded.handling_n, handling_hours = '
 'order_stats_day.handling_hours + excluded.handling_hours, overdue_n = order_stats_day.overdue_n + '
 'excluded.overdue_n, overdue_late = order_stats_day.overdue_late + excluded.overdue_late, supervised_hit = '
 'order_stats_day.supervised_hit + excluded.supervised_hit, redispatch_n = order_stats_day.redispatch_n + '
 'excluded.redispatch_n, redispatch_hit = order_stats_day.redispatch_hit + excluded.redispatch_hit, '
 'petitions_hit = order_stats_day.petitions_hit + excluded.petitions_hit, satisfaction_n = '
 'order_stats_day.satisfaction_n + excluded.satisfaction_n, satisfaction_hit = '
 'order_stats_day.satisfaction_hit + excluded.satisfaction_hit;\n'
 '    INSERT INTO order_stats_month (township_id, month, dim, key, received, closure_hit, on_time_n, '
 'on_time_hit, contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, '
 'redispatch_n, redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, month, '
 'dim, k, SUM(received), SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), '
 'SUM(handling_n), SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), '
 'SUM(redispatch_n), SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) '
 "FROM (SELECT OLD.township_id AS township_id, CAST(date_trunc('month', (OLD.received_at) + INTERVAL '8 "
 "hours') AS DATE) AS month, dd.dim, dd.k, -(1) AS received, -(CASE WHEN OLD.status IN ('resolved', "
 "'archived') THEN 1 ELSE 0 END) AS closure_hit, -(CASE WHEN OLD.resolved_at IS NOT NULL AND OLD.due_at IS "
 'NOT NULL THEN 1 ELSE 0 END) AS on_time_n, -(CASE WHEN OLD.resolved_at IS NOT NULL AND OLD.due_at IS NOT '
 'NULL AND OLD.resolved_at <= OLD.due_at THEN 1 ELSE 0 END) AS on_time_hit, -(CASE WHEN OLD.contacted_at IS '
 'NOT NULL AND (EXTRACT(EPOCH FROM (OLD.contacted_at) - (OLD.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 '
 'END) AS contact_hit, -(CASE WHEN OLD.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS handling_n, -(CASE WHEN '
 'OLD.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM (OLD.resolved_at) - (OLD.received_at)) / 3600.0) ELSE '
 '0.0 END) AS handling_hours, -(CASE WHEN OLD.due_at IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, -(CASE '
 'WHEN OLD.due_at IS NOT NULL AND OLD.resolved_at IS NOT NULL AND OLD.resolved_at > OLD.due_at THEN 1 ELSE 0 '
 'END) AS overdue_late, -(CASE WHEN OLD.supervised THEN 1 ELSE 0 END) AS supervised_hit, -(CASE WHEN '
 'OLD.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, -(CASE WHEN OLD.dispatched_at IS NOT '
 'NULL AND (OLD.bounce_count > 0 OR OLD.redispatch_count > 0) THEN 1 ELSE 0 END) AS redispatch_hit, -(CASE '
 "WHEN OLD.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, -(0) AS satisfaction_n, -(0) AS "
 "satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(OLD.township_id AS VARCHAR(20)), '') AS k "
 "UNION ALL SELECT 'village' AS dim, COALESCE(CAST(OLD.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'grid' AS dim, COALESCE(CAST(OLD.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(OLD.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(OLD.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(OLD.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(OLD.channel AS VARCHAR(20)), '') AS k) AS dd WHERE OLD.status <> 'cancelled' AND "
 "OLD.duplicate_of_id IS NULL UNION ALL SELECT OLD.township_id AS township_id, CAST(date_trunc('month', "
 "(OLD.callback_at) + INTERVAL '8 hours') AS DATE) AS month, dd.dim, dd.k, -(0) AS received, -(0) AS "
 'closure_hit, -(0) AS on_time_n, -(0) AS on_time_hit, -(0) AS contact_hit, -(0) AS handling_n, -(0.0) AS '
 'handling_hours, -(0) AS overdue_n, -(0) AS overdue_late, -(0) AS supervised_hit, -(0) AS redispatch_n, '
 '-(0) AS redispatch_hit, -(0) AS petitions_hit, -(1) AS satisfaction_n, -(CASE WHEN OLD.satisfaction IN '
 "('satisfied', 'basic') THEN 1 ELSE 0 END) AS satisfaction_hit FROM (SELECT 'township' AS dim, "
 "COALESCE(CAST(OLD.township_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'village' AS dim, "
 "COALESCE(CAST(OLD.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'grid' AS dim, "
 "COALESCE(CAST(OLD.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(OLD.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(OLD.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(OLD.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(OLD.channel AS VARCHAR(20)), '') AS k) AS dd WHERE OLD.callback_at IS NOT NULL AND "
 'OLD.satisfaction IS NOT NULL) AS x WHERE true GROUP BY township_id, month, dim, k ORDER BY township_id, '
 'month, dim, k ON CONFLICT (township_id, month, dim, key) DO UPDATE SET received = '
 'order_stats_month.received + excluded.received, closure_hit = order_stats_month.closure_hit + '
 'excluded.closure_hit, on_time_n = order_stats_month.on_time_n + excluded.on_time_n, on_time_hit = '
 'order_stats_month.on_time_hit + excluded.on_time_hit, contact_hit = order_stats_month.contact_hit + '
 'excluded.contact_hit, handling_n = order_stats_month.handling_n + excluded.handling_n, handling_hours = '
 'order_stats_month.handling_hours + excluded.handling_hours, overdue_n = order_stats_month.overdue_n + '
 'excluded.overdue_n, overdue_late = order_stats_month.overdue_late + excluded.overdue_late, supervised_hit '
 '= order_stats_month.supervised_hit + excluded.supervised_hit, redispatch_n = '
 'order_stats_month.redispatch_n + excluded.redispatch_n, redispatch_hit = order_stats_month.redispatch_hit '
 '+ excluded.redispatch_hit, petitions_hit = order_stats_month.petitions_hit + excluded.petitions_hit, '
 'satisfaction_n = order_stats_month.satisfaction_n + excluded.satisfaction_n, satisfaction_hit = '
 'order_stats_month.satisfaction_hit + excluded.satisfaction_hit;\n'
 '  ELSIF OLD.township_id IS DISTINCT FROM NEW.township_id OR OLD.status IS DISTINCT FROM NEW.status OR '
 'OLD.duplicate_of_id IS DISTINCT FROM NEW.duplicate_of_id OR OLD.received_at IS DISTINCT FROM '
 'NEW.received_at OR OLD.resolved_at IS DISTINCT FROM NEW.resolved_at OR OLD.due_at IS DISTINCT FROM '
 'NEW.due_at OR OLD.contacted_at IS DISTINCT FROM NEW.contacted_at OR OLD.supervised IS DISTINCT FROM '
 'NEW.supervised OR OLD.dispatched_at IS DISTINCT FROM NEW.dispatched_at OR OLD.bounce_count IS DISTINCT '
 'FROM NEW.bounce_count OR OLD.redispatch_count IS DISTINCT FROM NEW.redispatch_count OR OLD.channel IS '
 'DISTINCT FROM NEW.channel OR OLD.callback_at IS DISTINCT FROM NEW.callback_at OR OLD.satisfaction IS '
 'DISTINCT FROM NEW.satisfaction OR OLD.township_id IS DISTINCT FROM NEW.township_id OR OLD.village_id IS '
 'DISTINCT FROM NEW.village_id OR OLD.grid_id IS DISTINCT FROM NEW.grid_id OR OLD.platform_id IS DISTINCT '
 'FROM NEW.platform_id OR OLD.department_id IS DISTINCT FROM NEW.department_id OR OLD.category_id IS '
 'DISTINCT FROM NEW.category_id THEN\n'
 '    INSERT INTO order_stats_day (township_id, day, received, closure_hit, on_time_n, on_time_hit, '
 'contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, redispatch_n, '
 'redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, day, SUM(received), '
 'SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), SUM(handling_n), '
 'SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), SUM(redispatch_n), '
 'SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) FROM (SELECT '
 "OLD.township_id AS township_id, CAST((OLD.received_at) + INTERVAL '8 hours' AS DATE) AS day, -(1) AS "
 "received, -(CASE WHEN OLD.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS closure_hit, -(CASE "
 'WHEN OLD.resolved_at IS NOT NULL AND OLD.due_at IS NOT NULL THEN 1 ELSE 0 END) AS on_time_n, -(CASE WHEN '
 'OLD.resolved_at IS NOT NULL AND OLD.due_at IS NOT NULL AND OLD.resolved_at <= OLD.due_at THEN 1 ELSE 0 '
 'END) AS on_time_hit, -(CASE WHEN OLD.contacted_at IS NOT NULL AND (EXTRACT(EPOCH FROM (OLD.contacted_at) - '
 '(OLD.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 END) AS contact_hit, -(CASE WHEN OLD.resolved_at IS NOT '
 'NULL THEN 1 ELSE 0 END) AS handling_n, -(CASE WHEN OLD.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM '
 '(OLD.resolved_at) - (OLD.received_at)) / 3600.0) ELSE 0.0 END) AS handling_hours, -(CASE WHEN OLD.due_at '
 'IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, -(CASE WHEN OLD.due_at IS NOT NULL AND OLD.resolved_at IS NOT '
 'NULL AND OLD.resolved_at > OLD.due_at THEN 1 ELSE 0 END) AS overdue_late, -(CASE WHEN OLD.supervised THEN '
 '1 ELSE 0 END) AS supervised_hit, -(CASE WHEN OLD.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS '
 'redispatch_n, -(CASE WHEN OLD.dispatched_at IS NOT NULL AND (OLD.bounce_count > 0 OR OLD.redispatch_count '
 "> 0) THEN 1 ELSE 0 END) AS redispatch_hit, -(CASE WHEN OLD.channel = 'petition' THEN 1 ELSE 0 END) AS "
 "petitions_hit, -(0) AS satisfaction_n, -(0) AS satisfaction_hit WHERE OLD.status <> 'cancelled' AND "
 'OLD.duplicate_of_id IS NULL UNION ALL SELECT OLD.township_id AS township_id, CAST((OLD.callback_at) + '
 "INTERVAL '8 hours' AS DATE) AS day, -(0) AS received, -(0) AS closure_hit, -(0) AS on_time_n, -(0) AS "
 'on_time_hit, -(0) AS contact_hit, -(0) AS handling_n, -(0.0) AS handling_hours, -(0) AS overdue_n, -(0) AS '
 'overdue_late, -(0) AS supervised_hit, -(0) AS redispatch_n, -(0) AS redispatch_hit, -(0) AS petitions_hit, '
 "-(1) AS satisfaction_n, -(CASE WHEN OLD.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS "
 'satisfaction_hit WHERE OLD.callback_at IS NOT NULL AND OLD.satisfaction IS NOT NULL UNION ALL SELECT '
 "NEW.township_id AS township_id, CAST((NEW.received_at) + INTERVAL '8 hours' AS DATE) AS day, (1) AS "
 "received, (CASE WHEN NEW.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS closure_hit, (CASE WHEN "
 'NEW.resolved_at IS NOT NULL AND NEW.due_at IS NOT NULL THEN 1 ELSE 0 END) AS on_time_n, (CASE WHEN '
 'NEW.resolved_at IS NOT NULL AND NEW.due_at IS NOT NULL AND NEW.resolved_at <= NEW.due_at THEN 1 ELSE 0 '
 'END) AS on_time_hit, (CASE WHEN NEW.contacted_at IS NOT NULL AND (EXTRACT(EPOCH FROM (NEW.contacted_at) - '
 '(NEW.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 END) AS contact_hit, (CASE WHEN NEW.resolved_at IS NOT '
 'NULL THEN 1 ELSE 0 END) AS handling_n, (CASE WHEN NEW.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM '
 '(NEW.resolved_at) - (NEW.received_at)) / 3600.0) ELSE 0.0 END) AS handling_hours, (CASE WHEN NEW.due_at IS '
 'NOT NULL THEN 1 ELSE 0 END) AS overdue_n, (CASE WHEN NEW.due_at IS NOT NULL AND NEW.resolved_at IS NOT '
 'NULL AND NEW.resolved_at > NEW.due_at THEN 1 ELSE 0 END) AS overdue_late, (CASE WHEN NEW.supervised THEN 1 '
 'ELSE 0 END) AS supervised_hit, (CASE WHEN NEW.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS '
 'redispatch_n, (CASE WHEN NEW.dispatched_at IS NOT NULL AND (NEW.bounce_count > 0 OR NEW.redispatch_count > '
 "0) THEN 1 ELSE 0 END) AS redispatch_hit, (CASE WHEN NEW.channel = 'petition' THEN 1 ELSE 0 END) AS "
 "petitions_hit, (0) AS satisfaction_n, (0) AS satisfaction_hit WHERE NEW.status <> 'cancelled' AND "
 'NEW.duplicate_of_id IS NULL UNION ALL SELECT NEW.township_id AS township_id, CAST((NEW.callback_at) + '
 "INTERVAL '8 hours' AS DATE) AS day, (0) AS received, (0) AS closure_hit, (0) AS on_time_n, (0) AS "
 'on_time_hit, (0) AS contact_hit, (0) AS handling_n, (0.0) AS handling_hours, (0) AS overdue_n, (0) AS '
 'overdue_late, (0) AS supervised_hit, (0) AS redispatch_n, (0) AS redispatch_hit, (0) AS petitions_hit, (1) '
 "AS satisfaction_n, (CASE WHEN NEW.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END) AS "
 'satisfaction_hit WHERE NEW.callback_at IS NOT NULL AND NEW.satisfaction IS NOT NULL) AS x WHERE true GROUP '
 'BY township_id, day ORDER BY township_id, day ON CONFLICT (township_id, day) DO UPDATE SET received = '
 'order_stats_day.received + excluded.received, closure_hit = order_stats_day.closure_hit + '
 'excluded.closure_hit, on_time_n = order_stats_day.on_time_n + excluded.on_time_n, on_time_hit = '
 'order_stats_day.on_time_hit + excluded.on_time_hit, contact_hit = order_stats_day.contact_hit + '
 'excluded.contact_hit, handling_n = order_stats_day.handling_n + excluded.handling_n, handling_hours = '
 'order_stats_day.handling_hours + excluded.handling_hours, overdue_n = order_stats_day.overdue_n + '
 'excluded.overdue_n, overdue_late = order_stats_day.overdue_late + excluded.overdue_late, supervised_hit = '
 'order_stats_day.supervised_hit + excluded.supervised_hit, redispatch_n = order_stats_day.redispatch_n + '
 'excluded.redispatch_n, redispatch_hit = order_stats_day.redispatch_hit + excluded.redispatch_hit, '
 'petitions_hit = order_stats_day.petitions_hit + excluded.petitions_hit, satisfaction_n = '
 'order_stats_day.satisfaction_n + excluded.satisfaction_n, satisfaction_hit = '
 'order_stats_day.satisfaction_hit + excluded.satisfaction_hit;\n'
 '    INSERT INTO order_stats_month (township_id, month, dim, key, received, closure_hit, on_time_n, '
 'on_time_hit, contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, '
 'redispatch_n, redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, month, '
 'dim, k, SUM(received), SUM(closure_hit), SUM(on_time_n), SUM(on_time_hit), SUM(contact_hit), '
 'SUM(handling_n), SUM(handling_hours), SUM(overdue_n), SUM(overdue_late), SUM(supervised_hit), '
 'SUM(redispatch_n), SUM(redispatch_hit), SUM(petitions_hit), SUM(satisfaction_n), SUM(satisfaction_hit) '
 "FROM (SELECT OLD.township_id AS township_id, CAST(date_trunc('month', (OLD.received_at) + INTERVAL '8 "
 "hours') AS DATE) AS month, dd.dim, dd.k, -(1) AS received, -(CASE WHEN OLD.status IN ('resolved', "
 "'archived') THEN 1 ELSE 0 END) AS closure_hit, -(CASE WHEN OLD.resolved_at IS NOT NULL AND OLD.due_at IS "
 'NOT NULL THEN 1 ELSE 0 END) AS on_time_n, -(CASE WHEN OLD.resolved_at IS NOT NULL AND OLD.due_at IS NOT '
 'NULL AND OLD.resolved_at <= OLD.due_at THEN 1 ELSE 0 END) AS on_time_hit, -(CASE WHEN OLD.contacted_at IS '
 'NOT NULL AND (EXTRACT(EPOCH FROM (OLD.contacted_at) - (OLD.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 '
 'END) AS contact_hit, -(CASE WHEN OLD.resolved_at IS NOT NULL THEN 1 ELSE 0 END) AS handling_n, -(CASE WHEN '
 'OLD.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM (OLD.resolved_at) - (OLD.received_at)) / 3600.0) ELSE '
 '0.0 END) AS handling_hours, -(CASE WHEN OLD.due_at IS NOT NULL THEN 1 ELSE 0 END) AS overdue_n, -(CASE '
 'WHEN OLD.due_at IS NOT NULL AND OLD.resolved_at IS NOT NULL AND OLD.resolved_at > OLD.due_at THEN 1 ELSE 0 '
 'END) AS overdue_late, -(CASE WHEN OLD.supervised THEN 1 ELSE 0 END) AS supervised_hit, -(CASE WHEN '
 'OLD.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, -(CASE WHEN OLD.dispatched_at IS NOT '
 'NULL AND (OLD.bounce_count > 0 OR OLD.redispatch_count > 0) THEN 1 ELSE 0 END) AS redispatch_hit, -(CASE '
 "WHEN OLD.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, -(0) AS satisfaction_n, -(0) AS "
 "satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(OLD.township_id AS VARCHAR(20)), '') AS k "
 "UNION ALL SELECT 'village' AS dim, COALESCE(CAST(OLD.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'grid' AS dim, COALESCE(CAST(OLD.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(OLD.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(OLD.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(OLD.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(OLD.channel AS VARCHAR(20)), '') AS k) AS dd WHERE OLD.status <> 'cancelled' AND "
 "OLD.duplicate_of_id IS NULL UNION ALL SELECT OLD.township_id AS township_id, CAST(date_trunc('month', "
 "(OLD.callback_at) + INTERVAL '8 hours') AS DATE) AS month, dd.dim, dd.k, -(0) AS received, -(0) AS "
 'closure_hit, -(0) AS on_time_n, -(0) AS on_time_hit, -(0) AS contact_hit, -(0) AS handling_n, -(0.0) AS '
 'handling_hours, -(0) AS overdue_n, -(0) AS overdue_late, -(0) AS supervised_hit, -(0) AS redispatch_n, '
 '-(0) AS redispatch_hit, -(0) AS petitions_hit, -(1) AS satisfaction_n, -(CASE WHEN OLD.satisfaction IN '
 "('satisfied', 'basic') THEN 1 ELSE 0 END) AS satisfaction_hit FROM (SELECT 'township' AS dim, "
 "COALESCE(CAST(OLD.township_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'village' AS dim, "
 "COALESCE(CAST(OLD.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'grid' AS dim, "
 "COALESCE(CAST(OLD.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(OLD.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(OLD.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(OLD.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(OLD.channel AS VARCHAR(20)), '') AS k) AS dd WHERE OLD.callback_at IS NOT NULL AND "
 "OLD.satisfaction IS NOT NULL UNION ALL SELECT NEW.township_id AS township_id, CAST(date_trunc('month', "
 "(NEW.received_at) + INTERVAL '8 hours') AS DATE) AS month, dd.dim, dd.k, (1) AS received, (CASE WHEN "
 "NEW.status IN ('resolved', 'archived') THEN 1 ELSE 0 END) AS closure_hit, (CASE WHEN NEW.resolved_at IS "
 'NOT NULL AND NEW.due_at IS NOT NULL THEN 1 ELSE 0 END) AS on_time_n, (CASE WHEN NEW.resolved_at IS NOT '
 'NULL AND NEW.due_at IS NOT NULL AND NEW.resolved_at <= NEW.due_at THEN 1 ELSE 0 END) AS on_time_hit, (CASE '
 'WHEN NEW.contacted_at IS NOT NULL AND (EXTRACT(EPOCH FROM (NEW.contacted_at) - (NEW.received_at)) / '
 '3600.0) <= 24 THEN 1 ELSE 0 END) AS contact_hit, (CASE WHEN NEW.resolved_at IS NOT NULL THEN 1 ELSE 0 END) '
 'AS handling_n, (CASE WHEN NEW.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM (NEW.resolved_at) - '
 '(NEW.received_at)) / 3600.0) ELSE 0.0 END) AS handling_hours, (CASE WHEN NEW.due_at IS NOT NULL THEN 1 '
 'ELSE 0 END) AS overdue_n, (CASE WHEN NEW.due_at IS NOT NULL AND NEW.resolved_at IS NOT NULL AND '
 'NEW.resolved_at > NEW.due_at THEN 1 ELSE 0 END) AS overdue_late, (CASE WHEN NEW.supervised THEN 1 ELSE 0 '
 'END) AS supervised_hit, (CASE WHEN NEW.dispatched_at IS NOT NULL THEN 1 ELSE 0 END) AS redispatch_n, (CASE '
 'WHEN NEW.dispatched_at IS NOT NULL AND (NEW.bounce_count > 0 OR NEW.redispatch_count > 0) THEN 1 ELSE 0 '
 "END) AS redispatch_hit, (CASE WHEN NEW.channel = 'petition' THEN 1 ELSE 0 END) AS petitions_hit, (0) AS "
 "satisfaction_n, (0) AS satisfaction_hit FROM (SELECT 'township' AS dim, COALESCE(CAST(NEW.township_id AS "
 "VARCHAR(20)), '') AS k UNION ALL SELECT 'village' AS dim, COALESCE(CAST(NEW.village_id AS VARCHAR(20)), "
 "'') AS k UNION ALL SELECT 'grid' AS dim, COALESCE(CAST(NEW.grid_id AS VARCHAR(20)), '') AS k UNION ALL "
 "SELECT 'platform' AS dim, COALESCE(CAST(NEW.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT "
 "'department' AS dim, COALESCE(CAST(NEW.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' "
 "AS dim, COALESCE(CAST(NEW.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(NEW.channel AS VARCHAR(20)), '') AS k) AS dd WHERE NEW.status <> 'cancelled' AND "
 "NEW.duplicate_of_id IS NULL UNION ALL SELECT NEW.township_id AS township_id, CAST(date_trunc('month', "
 "(NEW.callback_at) + INTERVAL '8 hours') AS DATE) AS month, dd.dim, dd.k, (0) AS received, (0) AS "
 'closure_hit, (0) AS on_time_n, (0) AS on_time_hit, (0) AS contact_hit, (0) AS handling_n, (0.0) AS '
 'handling_hours, (0) AS overdue_n, (0) AS overdue_late, (0) AS supervised_hit, (0) AS redispatch_n, (0) AS '
 "redispatch_hit, (0) AS petitions_hit, (1) AS satisfaction_n, (CASE WHEN NEW.satisfaction IN ('satisfied', "
 "'basic') THEN 1 ELSE 0 END) AS satisfaction_hit FROM (SELECT 'township' AS dim, "
 "COALESCE(CAST(NEW.township_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'village' AS dim, "
 "COALESCE(CAST(NEW.village_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'grid' AS dim, "
 "COALESCE(CAST(NEW.grid_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'platform' AS dim, "
 "COALESCE(CAST(NEW.platform_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'department' AS dim, "
 "COALESCE(CAST(NEW.department_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'category' AS dim, "
 "COALESCE(CAST(NEW.category_id AS VARCHAR(20)), '') AS k UNION ALL SELECT 'channel' AS dim, "
 "COALESCE(CAST(NEW.channel AS VARCHAR(20)), '') AS k) AS dd WHERE NEW.callback_at IS NOT NULL AND "
 'NEW.satisfaction IS NOT NULL) AS x WHERE true GROUP BY township_id, month, dim, k ORDER BY township_id, '
 'month, dim, k ON CONFLICT (township_id, month, dim, key) DO UPDATE SET received = '
 'order_stats_month.received + excluded.received, closure_hit = order_stats_month.closure_hit + '
 'excluded.closure_hit, on_time_n = order_stats_month.on_time_n + excluded.on_time_n, on_time_hit = '
 'order_stats_month.on_time_hit + excluded.on_time_hit, contact_hit = order_stats_month.contact_hit + '
 'excluded.contact_hit, handling_n = order_stats_month.handling_n + excluded.handling_n, handling_hours = '
 'order_stats_month.handling_hours + excluded.handling_hours, overdue_n = order_stats_month.overdue_n + '
 'excluded.overdue_n, overdue_late = order_stats_month.overdue_late + excluded.overdue_late, supervised_hit '
 '= order_stats_month.supervised_hit + excluded.supervised_hit, redispatch_n = '
 'order_stats_month.redispatch_n + excluded.redispatch_n, redispatch_hit = order_stats_month.redispatch_hit '
 '+ excluded.redispatch_hit, petitions_hit = order_stats_month.petitions_hit + excluded.petitions_hit, '
 'satisfaction_n = order_stats_month.satisfaction_n + excluded.satisfaction_n, satisfaction_hit = '
 'order_stats_month.satisfaction_hit + excluded.satisfaction_hit;\n'
 '  END IF;\n'
 '  RETURN NULL;\n'
 'END\n'
 '$fn$',
 'CREATE TRIGGER trg_order_stats AFTER INSERT OR UPDATE OR DELETE ON work_order FOR EACH ROW EXECUTE '
 'FUNCTION order_stats_apply()']

DROP_POSTGRESQL = ['DROP TRIGGER IF EXISTS trg_order_stats ON work_order',
 'DROP FUNCTION IF EXISTS order_stats_apply()',
 'DROP TRIGGER IF EXISTS trg_order_stats_lock ON work_order',
 'DROP FUNCTION IF EXISTS order_stats_lock()']

REBUILD_POSTGRESQL = ['DELETE FROM order_stats_day',
 'DELETE FROM order_stats_month',
 'INSERT INTO order_stats_day (township_id, day, received, closure_hit, on_time_n, on_time_hit, contact_hit, '
 'handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, redispatch_n, redispatch_hit, '
 'petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, day, SUM(received) AS received, '
 'SUM(closure_hit) AS closure_hit, SUM(on_time_n) AS on_time_n, SUM(on_time_hit) AS on_time_hit, '
 'SUM(contact_hit) AS contact_hit, SUM(handling_n) AS handling_n, SUM(handling_hours) AS handling_hours, '
 'SUM(overdue_n) AS overdue_n, SUM(overdue_late) AS overdue_late, SUM(supervised_hit) AS supervised_hit, '
 'SUM(redispatch_n) AS redispatch_n, SUM(redispatch_hit) AS redispatch_hit, SUM(petitions_hit) AS '
 'petitions_hit, SUM(satisfaction_n) AS satisfaction_n, SUM(satisfaction_hit) AS satisfaction_hit FROM '
 "(SELECT w.township_id AS township_id, CAST((w.received_at) + INTERVAL '8 hours' AS DATE) AS day, 1 AS "
 "received, CASE WHEN w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS closure_hit, CASE WHEN "
 'w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, CASE WHEN w.resolved_at '
 'IS NOT NULL AND w.due_at IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS on_time_hit, CASE '
 'WHEN w.contacted_at IS NOT NULL AND (EXTRACT(EPOCH FROM (w.contacted_at) - (w.received_at)) / 3600.0) <= '
 '24 THEN 1 ELSE 0 END AS contact_hit, CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS handling_n, '
 'CASE WHEN w.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM (w.resolved_at) - (w.received_at)) / 3600.0) '
 'ELSE 0.0 END AS handling_hours, CASE WHEN w.due_at IS NOT NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN '
 'w.due_at IS NOT NULL AND w.resolved_at IS NOT NULL AND w.resolved_at > w.due_at THEN 1 ELSE 0 END AS '
 'overdue_late, CASE WHEN w.supervised THEN 1 ELSE 0 END AS supervised_hit, CASE WHEN w.dispatched_at IS NOT '
 'NULL THEN 1 ELSE 0 END AS redispatch_n, CASE WHEN w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR '
 "w.redispatch_count > 0) THEN 1 ELSE 0 END AS redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE "
 '0 END AS petitions_hit, 0 AS satisfaction_n, 0 AS satisfaction_hit FROM work_order w WHERE w.status <> '
 "'cancelled' AND w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS township_id, "
 "CAST((w.callback_at) + INTERVAL '8 hours' AS DATE) AS day, 0 AS received, 0 AS closure_hit, 0 AS "
 'on_time_n, 0 AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 '
 'AS overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS '
 "satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit "
 'FROM work_order w WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL) AS x GROUP BY '
 'township_id, day',
 'INSERT INTO order_stats_month (township_id, month, dim, key, received, closure_hit, on_time_n, '
 'on_time_hit, contact_hit, handling_n, handling_hours, overdue_n, overdue_late, supervised_hit, '
 'redispatch_n, redispatch_hit, petitions_hit, satisfaction_n, satisfaction_hit) SELECT township_id, month, '
 'dim, k, SUM(received) AS received, SUM(closure_hit) AS closure_hit, SUM(on_time_n) AS on_time_n, '
 'SUM(on_time_hit) AS on_time_hit, SUM(contact_hit) AS contact_hit, SUM(handling_n) AS handling_n, '
 'SUM(handling_hours) AS handling_hours, SUM(overdue_n) AS overdue_n, SUM(overdue_late) AS overdue_late, '
 'SUM(supervised_hit) AS supervised_hit, SUM(redispatch_n) AS redispatch_n, SUM(redispatch_hit) AS '
 'redispatch_hit, SUM(petitions_hit) AS petitions_hit, SUM(satisfaction_n) AS satisfaction_n, '
 'SUM(satisfaction_hit) AS satisfaction_hit FROM (SELECT w.township_id AS township_id, '
 "CAST(date_trunc('month', (w.received_at) + INTERVAL '8 hours') AS DATE) AS month, 'township' AS dim, "
 "COALESCE(CAST(w.township_id AS VARCHAR(20)), '') AS k, 1 AS received, CASE WHEN w.status IN ('resolved', "
 "'archived') THEN 1 ELSE 0 END AS closure_hit, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL "
 'THEN 1 ELSE 0 END AS on_time_n, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL AND '
 'w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS on_time_hit, CASE WHEN w.contacted_at IS NOT NULL AND '
 '(EXTRACT(EPOCH FROM (w.contacted_at) - (w.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 END AS contact_hit, '
 'CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at IS NOT NULL '
 'THEN (EXTRACT(EPOCH FROM (w.resolved_at) - (w.received_at)) / 3600.0) ELSE 0.0 END AS handling_hours, CASE '
 'WHEN w.due_at IS NOT NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT NULL AND w.resolved_at '
 'IS NOT NULL AND w.resolved_at > w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE WHEN w.supervised THEN 1 '
 'ELSE 0 END AS supervised_hit, CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS redispatch_n, '
 'CASE WHEN w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR w.redispatch_count > 0) THEN 1 ELSE 0 END '
 "AS redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE 0 END AS petitions_hit, 0 AS "
 "satisfaction_n, 0 AS satisfaction_hit FROM work_order w WHERE w.status <> 'cancelled' AND "
 "w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS township_id, CAST(date_trunc('month', "
 "(w.received_at) + INTERVAL '8 hours') AS DATE) AS month, 'village' AS dim, COALESCE(CAST(w.village_id AS "
 "VARCHAR(20)), '') AS k, 1 AS received, CASE WHEN w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS "
 'closure_hit, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, '
 'CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 '
 'END AS on_time_hit, CASE WHEN w.contacted_at IS NOT NULL AND (EXTRACT(EPOCH FROM (w.contacted_at) - '
 '(w.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 END AS contact_hit, CASE WHEN w.resolved_at IS NOT NULL '
 'THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM '
 '(w.resolved_at) - (w.received_at)) / 3600.0) ELSE 0.0 END AS handling_hours, CASE WHEN w.due_at IS NOT '
 'NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT NULL AND w.resolved_at IS NOT NULL AND '
 'w.resolved_at > w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE WHEN w.supervised THEN 1 ELSE 0 END AS '
 'supervised_hit, CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS redispatch_n, CASE WHEN '
 'w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR w.redispatch_count > 0) THEN 1 ELSE 0 END AS '
 "redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE 0 END AS petitions_hit, 0 AS satisfaction_n, "
 "0 AS satisfaction_hit FROM work_order w WHERE w.status <> 'cancelled' AND w.duplicate_of_id IS NULL UNION "
 "ALL SELECT w.township_id AS township_id, CAST(date_trunc('month', (w.received_at) + INTERVAL '8 hours') AS "
 "DATE) AS month, 'grid' AS dim, COALESCE(CAST(w.grid_id AS VARCHAR(20)), '') AS k, 1 AS received, CASE WHEN "
 "w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS closure_hit, CASE WHEN w.resolved_at IS NOT NULL "
 'AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at '
 'IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS on_time_hit, CASE WHEN w.contacted_at IS '
 'NOT NULL AND (EXTRACT(EPOCH FROM (w.contacted_at) - (w.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 END AS '
 'contact_hit, CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at '
 'IS NOT NULL THEN (EXTRACT(EPOCH FROM (w.resolved_at) - (w.received_at)) / 3600.0) ELSE 0.0 END AS '
 'handling_hours, CASE WHEN w.due_at IS NOT NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT '
 'NULL AND w.resolved_at IS NOT NULL AND w.resolved_at > w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE '
 'WHEN w.supervised THEN 1 ELSE 0 END AS supervised_hit, CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 '
 'END AS redispatch_n, CASE WHEN w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR w.redispatch_count > '
 "0) THEN 1 ELSE 0 END AS redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE 0 END AS "
 "petitions_hit, 0 AS satisfaction_n, 0 AS satisfaction_hit FROM work_order w WHERE w.status <> 'cancelled' "
 "AND w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS township_id, CAST(date_trunc('month', "
 "(w.received_at) + INTERVAL '8 hours') AS DATE) AS month, 'platform' AS dim, COALESCE(CAST(w.platform_id AS "
 "VARCHAR(20)), '') AS k, 1 AS received, CASE WHEN w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS "
 'closure_hit, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, '
 'CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 '
 'END AS on_time_hit, CASE WHEN w.contacted_at IS NOT NULL AND (EXTRACT(EPOCH FROM (w.contacted_at) - '
 '(w.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 END AS contact_hit, CASE WHEN w.resolved_at IS NOT NULL '
 'THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM '
 '(w.resolved_at) - (w.received_at)) / 3600.0) ELSE 0.0 END AS handling_hours, CASE WHEN w.due_at IS NOT '
 'NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT NULL AND w.resolved_at IS NOT NULL AND '
 'w.resolved_at > w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE WHEN w.supervised THEN 1 ELSE 0 END AS '
 'supervised_hit, CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS redispatch_n, CASE WHEN '
 'w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR w.redispatch_count > 0) THEN 1 ELSE 0 END AS '
 "redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE 0 END AS petitions_hit, 0 AS satisfaction_n, "
 "0 AS satisfaction_hit FROM work_order w WHERE w.status <> 'cancelled' AND w.duplicate_of_id IS NULL UNION "
 "ALL SELECT w.township_id AS township_id, CAST(date_trunc('month', (w.received_at) + INTERVAL '8 hours') AS "
 "DATE) AS month, 'department' AS dim, COALESCE(CAST(w.department_id AS VARCHAR(20)), '') AS k, 1 AS "
 "received, CASE WHEN w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS closure_hit, CASE WHEN "
 'w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, CASE WHEN w.resolved_at '
 'IS NOT NULL AND w.due_at IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS on_time_hit, CASE '
 'WHEN w.contacted_at IS NOT NULL AND (EXTRACT(EPOCH FROM (w.contacted_at) - (w.received_at)) / 3600.0) <= '
 '24 THEN 1 ELSE 0 END AS contact_hit, CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS handling_n, '
 'CASE WHEN w.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM (w.resolved_at) - (w.received_at)) / 3600.0) '
 'ELSE 0.0 END AS handling_hours, CASE WHEN w.due_at IS NOT NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN '
 'w.due_at IS NOT NULL AND w.resolved_at IS NOT NULL AND w.resolved_at > w.due_at THEN 1 ELSE 0 END AS '
 'overdue_late, CASE WHEN w.supervised THEN 1 ELSE 0 END AS supervised_hit, CASE WHEN w.dispatched_at IS NOT '
 'NULL THEN 1 ELSE 0 END AS redispatch_n, CASE WHEN w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR '
 "w.redispatch_count > 0) THEN 1 ELSE 0 END AS redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE "
 '0 END AS petitions_hit, 0 AS satisfaction_n, 0 AS satisfaction_hit FROM work_order w WHERE w.status <> '
 "'cancelled' AND w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS township_id, "
 "CAST(date_trunc('month', (w.received_at) + INTERVAL '8 hours') AS DATE) AS month, 'category' AS dim, "
 "COALESCE(CAST(w.category_id AS VARCHAR(20)), '') AS k, 1 AS received, CASE WHEN w.status IN ('resolved', "
 "'archived') THEN 1 ELSE 0 END AS closure_hit, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL "
 'THEN 1 ELSE 0 END AS on_time_n, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL AND '
 'w.resolved_at <= w.due_at THEN 1 ELSE 0 END AS on_time_hit, CASE WHEN w.contacted_at IS NOT NULL AND '
 '(EXTRACT(EPOCH FROM (w.contacted_at) - (w.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 END AS contact_hit, '
 'CASE WHEN w.resolved_at IS NOT NULL THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at IS NOT NULL '
 'THEN (EXTRACT(EPOCH FROM (w.resolved_at) - (w.received_at)) / 3600.0) ELSE 0.0 END AS handling_hours, CASE '
 'WHEN w.due_at IS NOT NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT NULL AND w.resolved_at '
 'IS NOT NULL AND w.resolved_at > w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE WHEN w.supervised THEN 1 '
 'ELSE 0 END AS supervised_hit, CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS redispatch_n, '
 'CASE WHEN w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR w.redispatch_count > 0) THEN 1 ELSE 0 END '
 "AS redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE 0 END AS petitions_hit, 0 AS "
 "satisfaction_n, 0 AS satisfaction_hit FROM work_order w WHERE w.status <> 'cancelled' AND "
 "w.duplicate_of_id IS NULL UNION ALL SELECT w.township_id AS township_id, CAST(date_trunc('month', "
 "(w.received_at) + INTERVAL '8 hours') AS DATE) AS month, 'channel' AS dim, COALESCE(CAST(w.channel AS "
 "VARCHAR(20)), '') AS k, 1 AS received, CASE WHEN w.status IN ('resolved', 'archived') THEN 1 ELSE 0 END AS "
 'closure_hit, CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL THEN 1 ELSE 0 END AS on_time_n, '
 'CASE WHEN w.resolved_at IS NOT NULL AND w.due_at IS NOT NULL AND w.resolved_at <= w.due_at THEN 1 ELSE 0 '
 'END AS on_time_hit, CASE WHEN w.contacted_at IS NOT NULL AND (EXTRACT(EPOCH FROM (w.contacted_at) - '
 '(w.received_at)) / 3600.0) <= 24 THEN 1 ELSE 0 END AS contact_hit, CASE WHEN w.resolved_at IS NOT NULL '
 'THEN 1 ELSE 0 END AS handling_n, CASE WHEN w.resolved_at IS NOT NULL THEN (EXTRACT(EPOCH FROM '
 '(w.resolved_at) - (w.received_at)) / 3600.0) ELSE 0.0 END AS handling_hours, CASE WHEN w.due_at IS NOT '
 'NULL THEN 1 ELSE 0 END AS overdue_n, CASE WHEN w.due_at IS NOT NULL AND w.resolved_at IS NOT NULL AND '
 'w.resolved_at > w.due_at THEN 1 ELSE 0 END AS overdue_late, CASE WHEN w.supervised THEN 1 ELSE 0 END AS '
 'supervised_hit, CASE WHEN w.dispatched_at IS NOT NULL THEN 1 ELSE 0 END AS redispatch_n, CASE WHEN '
 'w.dispatched_at IS NOT NULL AND (w.bounce_count > 0 OR w.redispatch_count > 0) THEN 1 ELSE 0 END AS '
 "redispatch_hit, CASE WHEN w.channel = 'petition' THEN 1 ELSE 0 END AS petitions_hit, 0 AS satisfaction_n, "
 "0 AS satisfaction_hit FROM work_order w WHERE w.status <> 'cancelled' AND w.duplicate_of_id IS NULL UNION "
 "ALL SELECT w.township_id AS township_id, CAST(date_trunc('month', (w.callback_at) + INTERVAL '8 hours') AS "
 "DATE) AS month, 'township' AS dim, COALESCE(CAST(w.township_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 "
 'AS closure_hit, 0 AS on_time_n, 0 AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS '
 'handling_hours, 0 AS overdue_n, 0 AS overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS '
 "redispatch_hit, 0 AS petitions_hit, 1 AS satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', "
 "'basic') THEN 1 ELSE 0 END AS satisfaction_hit FROM work_order w WHERE w.callback_at IS NOT NULL AND "
 "w.satisfaction IS NOT NULL UNION ALL SELECT w.township_id AS township_id, CAST(date_trunc('month', "
 "(w.callback_at) + INTERVAL '8 hours') AS DATE) AS month, 'village' AS dim, COALESCE(CAST(w.village_id AS "
 "VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS on_time_n, 0 AS on_time_hit, 0 AS "
 'contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 AS overdue_late, 0 AS '
 'supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS satisfaction_n, CASE WHEN '
 "w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit FROM work_order w WHERE "
 'w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL UNION ALL SELECT w.township_id AS township_id, '
 "CAST(date_trunc('month', (w.callback_at) + INTERVAL '8 hours') AS DATE) AS month, 'grid' AS dim, "
 "COALESCE(CAST(w.grid_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS on_time_n, 0 AS "
 'on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 AS overdue_late, '
 '0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS satisfaction_n, CASE '
 "WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit FROM work_order w "
 'WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL UNION ALL SELECT w.township_id AS '
 "township_id, CAST(date_trunc('month', (w.callback_at) + INTERVAL '8 hours') AS DATE) AS month, 'platform' "
 "AS dim, COALESCE(CAST(w.platform_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS "
 'on_time_n, 0 AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 '
 'AS overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS '
 "satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit "
 'FROM work_order w WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL UNION ALL SELECT '
 "w.township_id AS township_id, CAST(date_trunc('month', (w.callback_at) + INTERVAL '8 hours') AS DATE) AS "
 "month, 'department' AS dim, COALESCE(CAST(w.department_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 AS "
 'closure_hit, 0 AS on_time_n, 0 AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 '
 'AS overdue_n, 0 AS overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS '
 "petitions_hit, 1 AS satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END "
 'AS satisfaction_hit FROM work_order w WHERE w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL UNION '
 "ALL SELECT w.township_id AS township_id, CAST(date_trunc('month', (w.callback_at) + INTERVAL '8 hours') AS "
 "DATE) AS month, 'category' AS dim, COALESCE(CAST(w.category_id AS VARCHAR(20)), '') AS k, 0 AS received, 0 "
 'AS closure_hit, 0 AS on_time_n, 0 AS on_time_hit, 0 AS contact_hit, 0 AS handling_n, 0.0 AS '
 'handling_hours, 0 AS overdue_n, 0 AS overdue_late, 0 AS supervised_hit, 0 AS redispatch_n, 0 AS '
 "redispatch_hit, 0 AS petitions_hit, 1 AS satisfaction_n, CASE WHEN w.satisfaction IN ('satisfied', "
 "'basic') THEN 1 ELSE 0 END AS satisfaction_hit FROM work_order w WHERE w.callback_at IS NOT NULL AND "
 "w.satisfaction IS NOT NULL UNION ALL SELECT w.township_id AS township_id, CAST(date_trunc('month', "
 "(w.callback_at) + INTERVAL '8 hours') AS DATE) AS month, 'channel' AS dim, COALESCE(CAST(w.channel AS "
 "VARCHAR(20)), '') AS k, 0 AS received, 0 AS closure_hit, 0 AS on_time_n, 0 AS on_time_hit, 0 AS "
 'contact_hit, 0 AS handling_n, 0.0 AS handling_hours, 0 AS overdue_n, 0 AS overdue_late, 0 AS '
 'supervised_hit, 0 AS redispatch_n, 0 AS redispatch_hit, 0 AS petitions_hit, 1 AS satisfaction_n, CASE WHEN '
 "w.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END AS satisfaction_hit FROM work_order w WHERE "
 'w.callback_at IS NOT NULL AND w.satisfaction IS NOT NULL) AS x GROUP BY township_id, month, dim, k']
