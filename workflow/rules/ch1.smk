# Chapter 1: rules that train, draw and tabulate; `rule chapter1` names everything it builds.

CH1_TARGETS = []


rule chapter1:
    input:
        CH1_TARGETS,
