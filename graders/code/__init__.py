"""The `code` grader (graders.code.grader) and its parts: extract (program from
model text), protocol (wire format, also shipped into the sandbox), driver (the
supervisor that runs inside the sandbox), replay (HumanEval-style check()
recorded on the reference and replayed outside), compare (type-strict values,
stdout whitespace policy)."""
