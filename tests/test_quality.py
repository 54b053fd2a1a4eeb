from transforms.core.quality import source_quality


def test_source_quality_counts_per_outlet():
    arts = [{"source": "a.com", "lang": "en", "dup_of": None}, {"source": "a.com", "lang": "fr", "dup_of": "x"},
            {"source": "", "lang": "fa", "dup_of": None}]
    fails = [{"stage": "fetch", "reason": "http_404", "input": "https://www.a.com/x"},
             {"stage": "extract", "reason": "no_text", "input": "https://a.com/y"},
             {"stage": "read", "reason": "bad_json", "input": "/data/r.jsonl:3"}]
    q = {r["source"]: r for r in source_quality(arts, fails)}
    assert q["a.com"]["articles"] == 2 and q["a.com"]["duplicate_rate"] == 0.5
    assert q["a.com"]["languages"] == ["en", "fr"] and q["a.com"]["fetch_failed"] == 1
    assert q["a.com"]["fetch_success"] == round(2 / 3, 4) and q["a.com"]["empty_extractions"] == 1
    assert q["(unknown)"]["articles"] == 1 and q["(unknown)"]["failed"] == 1
    assert q["(unknown)"]["fetch_success"] is None
