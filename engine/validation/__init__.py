"""What a designer must fix before permitflow can run a BPMN model."""
