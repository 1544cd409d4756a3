# Chapter 5: rules that train, draw and tabulate; `rule chapter5` names everything it builds.

CH5_TARGETS = []


rule chapter5:
    input:
        CH5_TARGETS,
