"""A small phased project shared by the resume and view tests: a plan phase whose command writes a
two-item PLAN.md, and a generate phase whose command writes item<N>.txt for plan item N."""

CONFIG = """task = "Write the items."
max_steps = 1

[[sensors]]
name = "unit"
kind = "command"
command = "true"

[optimizer]
kind = "command"
command = "sh generate.sh"

[[phases]]
kind = "plan"
artifact = "PLAN.md"
optimizer = { kind = "command", command = "printf -- '- one\\\\n- two\\\\n' > PLAN.md" }

[[phases]]
kind = "generate"
"""
# Writes item<N>.txt for "Plan item N of M" in its task.
GENERATE = """n=$(grep -o 'Plan item [0-9]*' "$CODEFIT_TASK_FILE" | grep -o '[0-9]*$')
echo done > "item$n.txt"
"""
FILES = {"codefit.toml": CONFIG, "generate.sh": GENERATE}
