# Chapter 2: rules that train, draw and tabulate; `rule chapter2` names everything it builds.

CH2_TARGETS = []


rule chapter2:
    input:
        CH2_TARGETS,
