"""Structured-output task families, all graded by `json_schema`:
`json.extract`, `json.conform`, `json.convert`, `json.toolcall`."""
