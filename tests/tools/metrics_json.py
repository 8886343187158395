"""Parse the /metrics text with Prometheus's own Python parser (the
OpenMetrics one: the service serves `application/openmetrics-text`) and
print every sample as JSON for the Rust tests: name, labels, value."""
import json, sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families

samples = []
for family in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in family.samples:
        samples.append({"family": family.name, "type": family.type, "name": s.name, "labels": s.labels, "value": s.value})
print(json.dumps(samples))
