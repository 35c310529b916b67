"""The misbehaving test graders as an installed plug-in (entry points), as a Ray
node finds plug-ins: tests/test_ray_executor.py installs them on every node.

Subclasses under names of their own: importing hostile_graders registers the
originals by decorator, and one name may not come from both."""
import hostile_graders


class StuckInC(hostile_graders.StuckInC):
    name = "ray.stuck_in_c"


class Sleeps(hostile_graders.Sleeps):
    name = "ray.sleeps"
