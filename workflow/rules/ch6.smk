# Chapter 6: rules that train, draw and tabulate; `rule chapter6` names everything it builds.

CH6_TARGETS = []


rule chapter6:
    input:
        CH6_TARGETS,
