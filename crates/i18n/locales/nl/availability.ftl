availability-status = Status
availability-operational = operationeel
availability-degraded = beperkt
availability-closed = gesloten
availability-service = Dienst
availability-beds = Beschikbare bedden
