"""Testing help for plug-in authors (and proctor's own tests).

- `proctor.testing.conformance`: the conformance kit, every check a task or
  grader must pass (`conformance.checks("my.task", "my_grader")`);
- `proctor.testing.hostile`: the corpus of hostile completions the kit uses;
- `proctor.testing.pytest_plugin`: the same kit as a pytest plugin
  (`pytest --proctor-conformance=my.task,my_grader`), registered through the
  `pytest11` entry point, so it is there wherever proctor is installed.

Nothing here is imported until used: pytest loads the plugin in every session.
"""
