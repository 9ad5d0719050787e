availability-status = Stato
availability-operational = operativo
availability-degraded = ridotto
availability-closed = chiuso
availability-service = Servizio
availability-beds = Letti disponibili
