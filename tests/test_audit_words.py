"""The audit log in words (issue #20 item 8): who (the person and the account) and what changed,
in Chinese, never as JSON."""

from __future__ import annotations

from db.audit_labels import action_label, change_text


def test_a_change_reads_as_words():
    assert change_text({"name": "东湖村第一网格"}, {"name": "东湖村一网格"}) == "名称：东湖村第一网格 → 东湖村一网格"
    assert change_text(None, {"via": "cookie"}) == "登录方式：记住的登录"
    assert (
        change_text({"role": "reception", "active": True}, {"role": "dispatcher", "active": True})
        == "角色：接待员 → 转办督办员"
    )  # an unchanged field is left out
    assert change_text({}, {"counts": {"网格": {"created": 2}}, "rows": 3}) == "结果：（网格 （新增 2））；行数：3"
    assert change_text(None, None) == "—"
    assert change_text({"phone": None}, {"phone": "13800000000"}) == "电话：空 → 13800000000"
    long = change_text(None, {"note": "很" * 100})
    assert long.endswith("…") and len(long) < 80
    assert "{" not in change_text({"x": [1, 2]}, {"x": {"a": 1}})  # never JSON, unknown keys as they are


def test_imports_and_their_records_are_named():
    assert action_label("import.households") == "Excel导入·住户与居民"
    assert action_label("grid.import") == "网格·Excel导入"
