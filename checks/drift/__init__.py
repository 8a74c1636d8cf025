"""``platformctl drift``: does the live cluster (and Argo CD) still match rendered/<env>?

    model.py      the result model every part speaks: ObjectRef, FieldDiff, DriftFinding, DriftReport
    desired.py    desired state: the objects of rendered/<env>
    live.py       live state: discovery, one paginated list per type, gets for what the selector missed
    normalize.py  what is not drift: server-assigned fields, defaults, tool metadata, canonical values
    compare.py    desired vs live, field by field, with the manager that owns each changed field
    managed.py    managedFields: who owns which live field; one manager's part of a dry-run result
    paths.py      the one path notation of FieldDiff.path (keys, set members, indexes)
    ignore.py     platform-owned ignore rules (JSON pointers per kind/name)
    argocd.py     Argo CD's REST API: applications, sync/health, managed-resources diffs
    check.py      putting it together into one DriftReport
    formats/      text, Markdown, HTML views of the JSON model
"""
