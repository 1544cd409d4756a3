# Chapter 3: rules that train, draw and tabulate; `rule chapter3` names everything it builds.

CH3_TARGETS = []


rule chapter3:
    input:
        CH3_TARGETS,
