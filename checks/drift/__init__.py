"""``platformctl drift``: does the live cluster (and Argo CD) still match rendered/<env>?

    model.py      the result model every part speaks: ObjectRef, FieldDiff, DriftFinding, AppStatus, DriftReport
    desired.py    desired state: the objects of rendered/<env>, and the label selector of ours
    kubeapi.py    raw JSON requests through the kubernetes client's ApiClient, counted
    discovery.py  the resource types the cluster serves (aggregated discovery)
    live.py       live state: one paginated list per type, GETs for what the selector missed, unknowns
    apply.py      server-side apply dry runs (the --server-side mode)
    paths.py      one field-path notation: spec.containers[name=web].image
    normalize.py  what is not drift: server-assigned fields, defaults, tool metadata, canonical values
    managed.py    managedFields: who owns each field, and what one manager owns
    compare.py    desired vs live, field by field, with the manager that owns each changed field
    ignore.py     platform-owned ignore rules (checks/drift.yaml: JSON pointers per kind/name)
    argocd.py     Argo CD's REST API: applications, sync/health, managed-resources diffs
    check.py      putting it together into one DriftReport
    formats/      JSON (canonical), text, Markdown, HTML views of the report
"""
