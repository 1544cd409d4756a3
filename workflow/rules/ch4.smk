# Chapter 4: rules that train, draw and tabulate; `rule chapter4` names everything it builds.

CH4_TARGETS = []


rule chapter4:
    input:
        CH4_TARGETS,
